package jsonspacing_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

func format(t *testing.T, src string) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"json-spacing"}})
	require.NoError(t, err)
	return string(res.Output)
}

func TestJSONSpacing(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`CMD [ "a","b" ]`, `CMD ["a", "b"]`},
		{`CMD ["a",    "b"]`, `CMD ["a", "b"]`},
		{"CMD [\t\"a\"\t,\t\"b\"\t]", `CMD ["a", "b"]`},
		{`CMD [ ]`, `CMD []`},
		// escapes and JSON syntax inside strings
		{`CMD [ "a\"b" , "c\\" , "[ , ]" ]`, `CMD ["a\"b", "c\\", "[ , ]"]`},
		// flags before the array, some with brackets in their value
		{`COPY --chown=a:b --from=x [ "s" ,"d" ]`, `COPY --chown=a:b --from=x ["s", "d"]`},
		{`RUN --mount=type=secret,id=[x] [ "a" ]`, `RUN --mount=type=secret,id=[x] ["a"]`},
		// an ONBUILD's instruction is stored in the image as written
		{`ONBUILD COPY --chown=a [ "s","d" ]`, `ONBUILD COPY --chown=a [ "s","d" ]`},
		{`HEALTHCHECK --retries=3 CMD [ "a" ]`, `HEALTHCHECK --retries=3 CMD ["a"]`},
		// not JSON: the shell runs it as written
		{`CMD [ "a" "b" ]`, `CMD [ "a" "b" ]`},
		{`CMD [ "a" ] b`, `CMD [ "a" ] b`},
		{`CMD [ 'a' ]`, `CMD [ 'a' ]`},
		// a gap across a continuation keeps its layout
		{"CMD [ \"a\", \\\n  \"b\" ]", "CMD [\"a\", \\\n  \"b\"]"},
		{"CMD [ \"a\" \\\n , \"b\" ]", "CMD [\"a\" \\\n , \"b\"]"},
	} {
		in, want := "FROM a\n"+c.in+"\n", "FROM a\n"+c.want+"\n"
		require.Equal(t, want, format(t, in), "%q", c.in)
	}
}
