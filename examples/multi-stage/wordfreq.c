/* wordfreq counts the words of its input and prints them, most frequent first. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	int count;
};

static struct word *words;
static size_t nwords, capwords;

static void add(const char *w)
{
	for (size_t i = 0; i < nwords; i++) {
		if (strcmp(words[i].text, w) == 0) {
			words[i].count++;
			return;
		}
	}
	if (nwords == capwords) {
		capwords = capwords ? 2 * capwords : 64;
		words = realloc(words, capwords * sizeof *words);
		if (!words) {
			perror("wordfreq");
			exit(1);
		}
	}
	words[nwords].text = strdup(w);
	words[nwords].count = 1;
	nwords++;
}

static int bycount(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->text, y->text);
}

int main(void)
{
	char buf[256];
	size_t n = 0;
	int c;

	while ((c = getchar()) != EOF) {
		if (isalnum(c) && n < sizeof buf - 1) {
			buf[n++] = (char)tolower(c);
			continue;
		}
		if (n > 0) {
			buf[n] = '\0';
			add(buf);
			n = 0;
		}
	}
	if (n > 0) {
		buf[n] = '\0';
		add(buf);
	}
	qsort(words, nwords, sizeof *words, bycount);
	for (size_t i = 0; i < nwords; i++)
		printf("%d %s\n", words[i].count, words[i].text);
	return 0;
}
