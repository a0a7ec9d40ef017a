# syntax=docker/dockerfile:1
# check=skip=all

   
  FROM alpine AS a  


  RUN echo indented  
   RUN echo two   
#last comment without newline