FROM debian:bookworm
RUN apt-get update \
# comment inside the continuation
    && apt-get install -y \
        # indented comment
        curl \
\
        wget
RUN echo next
