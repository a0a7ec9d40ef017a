# syntax=docker/dockerfile:1  
from debian:bookworm as base
Run apt-get update \  
  && apt-get install -y --no-install-recommends \
      curl \
  # fetch the tools   
  && echo "two  \
   spaces kept" \
  && rm -rf /var/lib/apt/lists/*
RUN echo one \
    && echo two
run echo three \
    && echo four   
copy <<EOF /etc/motd  
trailing blanks stay   
EOF 
	
EOF
onbuild run [ "make","all" ]
Healthcheck --interval=5s cmd [ "curl" ,"-f", "http://localhost/" ]
env LANG C.UTF-8
cmd [ "bash" ]


