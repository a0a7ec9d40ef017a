# check=skip=JSONArgsRecommended
FROM alpine:3.20 AS base
# check=skip=all
RUN apk add --no-cache curl
# check=error=true
RUN echo one
RUN echo two
# A comment, then a check the linter cannot read:
# check=skip=bogus;error=maybe
MAINTAINER someone@example.com
# check=experimental=all
CMD echo done
