FROM debian:bookworm
RUN   [ "echo" ,"a"  ]
CMD	["sh","-c",  "echo hi"]
ENTRYPOINT [ ]
RUN ["echo", "not json"
RUN echo after
