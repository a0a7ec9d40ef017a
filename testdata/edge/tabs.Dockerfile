FROM alpine:3.19
	RUN	echo tabs \
		&& echo more
RUN echo x
