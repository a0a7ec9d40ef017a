package analysis

import (
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// InstructionFinding is a finding about a whole instruction: from its first
// byte to the end of its text, without trailing blanks.
func InstructionFinding(ins *dockerfile.Instruction, msg string) Finding {
	end := ins.ContentEnd()
	if n := len(strings.TrimRight(ins.Text, " \t\r\v\f")); n > 0 && n < len(ins.Text) {
		end = ins.SrcOffset(n-1) + 1 // without the trailing blanks
	}
	return Finding{Pos: ins.Span.Start, End: end, Message: msg}
}

// WordFinding is a finding about the first occurrence of word in the
// instruction's arguments, or about the whole instruction when the word is
// not written there as is.
func WordFinding(ins *dockerfile.Instruction, word, msg string) Finding {
	args, off := ins.ShellArgs()
	if i := strings.Index(args, word); word != "" && i >= 0 {
		start := off + i
		end := start + len(word)
		return Finding{Pos: ins.SrcOffset(start), End: ins.SrcOffset(end-1) + 1, Message: msg}
	}
	return InstructionFinding(ins, msg)
}
