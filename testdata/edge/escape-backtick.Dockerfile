# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
RUN echo one `
    two
COPY a.txt C:\\temp\\
