from alpine:3.19 as base
run echo one
run echo two
env a=b
copy . /src
cmd echo hi
