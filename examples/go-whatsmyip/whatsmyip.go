// whatsmyip answers each HTTP request with the caller's address. With
// -selftest it asks itself once over the loopback interface, prints the
// answer and exits; -version prints its version.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

const version = "whatsmyip 1.0"

func whatsmyip(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	fmt.Fprintln(w, host)
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	selftest := flag.Bool("selftest", false, "ask this process once and exit")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	http.HandleFunc("/", whatsmyip)
	if !*selftest {
		log.Fatal(http.ListenAndServe(*addr, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, nil)
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		log.Fatal(err)
	}
}
