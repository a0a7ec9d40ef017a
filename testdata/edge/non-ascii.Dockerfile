FROM alpine
RUN echo "cafÃ© â˜•" && echo ÿþ
RUN echo x
