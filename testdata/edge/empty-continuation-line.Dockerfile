FROM debian:bookworm
RUN echo a \

    && echo b
RUN echo c
