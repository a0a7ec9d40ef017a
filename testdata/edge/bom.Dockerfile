FROM alpine:3.19
RUN echo one
RUN echo two
