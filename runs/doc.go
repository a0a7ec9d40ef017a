// Package runs is the parsed view of RUN instructions that passes share:
// the shell program of a RUN (Run, parsed once per instruction), with the
// map from program offsets to the file and the edit that appends a command
// in the RUN's own layout; the program of RUNs that are read but not
// rewritten, which may also be a heredoc script or an ONBUILD RUN
// (Program); and the RUN's --mount flags.
package runs
