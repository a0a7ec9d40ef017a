package nonroot

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCommandPorts(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want []int // nil: no port
	}{
		// Listening options, in their spellings.
		{"./server --port 80", []int{80}},
		{"./server --port=80", []int{80}},
		{`./server --port="80"`, []int{80}},
		{"./server -port 80", []int{80}},
		{"./server -p 80", []int{80}},
		{"./server -p80", []int{80}},
		{"./server -p=80", []int{80}},
		{"gunicorn -b 0.0.0.0:80 app:app", []int{80}},
		{"gunicorn -b0.0.0.0:80 app:app", []int{80}},
		{"gunicorn --bind=[::]:443 app:app", []int{443}},
		{"caddy file-server --listen :80", []int{80}},
		{"./server --listen=*:80", []int{80}},
		{"java -Dserver.port=80 -jar app.jar", []int{80}},
		{"./app --server.port 80", []int{80}},
		{"./app --httpPort 80", []int{80}},
		{"./app -listenaddr :80", []int{80}},
		{"./exporter --web.listen-address=:9100", []int{9100}},
		{"uwsgi --http :80 --module app", []int{80}},
		{"./app --urls http://+:80;https://+:443", []int{80, 443}},
		{"puma -b tcp://0.0.0.0:80", []int{80}},
		{"./app --bind-address 0.0.0.0:80", []int{80}},
		{"gunicorn --bind 0.0.0.0:${PORT:-80} app:app", []int{80}},
		{"PORT=80 node server.js", []int{80}},
		{"env HTTP_PORT=80 ./app", []int{80}},
		{"GUNICORN_CMD_ARGS=--bind=0.0.0.0:80 gunicorn app:app", []int{80}},
		{"python -m http.server 80", []int{80}},
		{"python -m SimpleHTTPServer 81", []int{81}},
		{"python3 -m http.server --bind 0.0.0.0 80", []int{80}},
		{"uvicorn main:app --host 0.0.0.0 --port 80 --proxy-headers", []int{80}},
		{"streamlit run app.py --server.port=80 --server.address=0.0.0.0", []int{80}},
		{"rails server -b 0.0.0.0 -p 80", []int{80}},
		{"daphne -b 0.0.0.0 -p 80 app.asgi:application", []int{80}},
		{"./minio server /data --address :80 --console-address :81", []int{80, 81}},
		{"traefik --entrypoints.web.address=:80", []int{80}},
		{"coredns -dns.port 53", []int{53}},
		{"uwsgi --http-socket :80", []int{80}},
		{"ncat -lk 80", []int{80}},
		{"nc -l -p 80", []int{80}},
		{"KESTREL__ENDPOINTS__HTTP__URL=http://0.0.0.0:80 ./app", []int{80}},
		{"python manage.py runserver 0.0.0.0:80", []int{80}},
		{"php -S 0.0.0.0:80 -t public", []int{80}},
		{"php -S localhost:80", []int{80}},
		{"socat TCP-LISTEN:80,fork TCP:backend:8080", []int{80}},
		{"npx serve -s build -l 80", []int{80}},
		{"nc -l 80", []int{80}},
		{"nc -lp 80", []int{80}},
		{"./server -l 0.0.0.0:80", []int{80}},
		{"./server -l :80", []int{80}},
		{"sh -c 'cd /app && exec ./server --port 80'", []int{80}},
		{"./server --proxy 0.0.0.0:80", []int{80}},
		{"runner -e PORT=80 ./server", []int{80}},
		{"runner --env=PORTNUM=80 ./server", []int{80}},
		// Not ports the program listens on.
		{"./relay --proxy proxy.internal:80", nil},
		{"./relay --proxy=proxy.internal:80", nil},
		{"./relay --upstream http://backend:80", nil},
		{"./relay --target backend:80", nil},
		{"./relay --redis-addr redis:80", nil},
		{"./app --db-port 5", nil},
		{"./app --smtp-port 25", nil},
		{"./worker -l 5", nil},
		{"celery worker -l info", nil},
		{"./app --import 5 --report 7 --transport 2", nil},
		{"./app --workers 4 --timeout 30", nil},
		{"./app --image alpine:3", nil},
		{"./app --connect http://api.example.com:80", nil},
		{"./app http://example.com:80/x", nil},
		{"python:3.12 alpine:3.18", nil},
		{"./server --port $PORT", nil},
		{"SMTP_PORT=25 ./app", nil},
		{"sleep 5", nil},
		{"./app --listen-backlog 100 --port-timeout 30 --http-timeout 30 --socket-timeout 5", nil},
		{"java -cp app:lib/* Main", nil},
		{"./app --db postgres://user:pass@db:80/x", nil},
		{"uwsgi --listen 128 --http :8080", []int{128, 8080}},
		{"gunicorn -b 0.0.0.0:8000 -w 4 app:app", []int{8000}},
	} {
		got := commandPorts(tc.cmd)
		if tc.want == nil {
			if p, low := lowPort(got); low {
				t.Errorf("%q: port %d, want none below 1024 (all: %v)", tc.cmd, p, got)
			}
			continue
		}
		assert.Equal(t, tc.want, got, tc.cmd)
	}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]nameKind{
		"PORT": listenName, "HTTP_PORT": listenName, "HTTPPORT": listenName, "port": listenName,
		"listen": listenName, "listen-address": listenName, "bind": listenName, "addr": listenName,
		"Dserver.port": listenName, "web.listen-address": listenName, "ASPNETCORE_URLS": listenName,
		"http": listenName, "PORTNUM": listenName, "PORT_NUMBER": listenName, "portno": listenName, "https": listenName, "socket": listenName, "serverPort": listenName,
		"SMTP_PORT": remoteName, "DB_PORT": remoteName, "proxy-port": remoteName, "redis-addr": remoteName,
		"IMPORT_BATCH": otherName, "REPORT_DAYS": otherName, "SUPPORT_EMAIL": otherName, "TRANSPORT": otherName,
		"proxy": otherName, "listen-backlog": otherName, "PORT_TIMEOUT": otherName, "PORTAL_URL": otherName, "PORTABLE": otherName, "upstream": otherName, "url": otherName, "http-timeout": otherName, "l": otherName,
	} {
		assert.Equal(t, want, kindOf(name), name)
	}
}

// FuzzCommandPorts checks that reading ports never panics and gives
// ports a TCP port can be.
func FuzzCommandPorts(f *testing.F) {
	for _, s := range []string{"gunicorn -b 0.0.0.0:80 app:app", "X=--bind=[::]:8 -p80 -l", "a --b=c://[:1 ---", "serve -lp ${P:-9}", "GUNICORN_CMD_ARGS=-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range commandPorts(s) {
			if p < 0 || p > 99999 {
				t.Fatalf("%q: port %d", s, p)
			}
		}
	})
}

func TestConfigPorts(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int // 0: no port below 1024
	}{
		{"listen = \":80\"\n", 80},
		{"server:\n  port: 80\n", 80},
		{"server {\n    listen 80 default_server;\n}\n", 80},
		{"Listen 80\n", 80},
		{"frontend web\n    bind *:443 ssl crt /etc/cert.pem\n", 443},
		{"server.port=80\n", 80},
		{`{"port": 80}`, 80},
		{"PORT=80\n", 80},
		{"- listen: 0.0.0.0:53\n", 53},
		{"port: 8080\ntimeout: 30\nworkers: 4\n", 0},
		{"db_port = 5432\nsmtp_port = 25\nredis_port: 6379\n", 0},
		{"version: 1.0.0\nname: app\n", 0},
		{"DATABASE_URL=postgres://user@db:5432/app\n", 0},
	} {
		p, _, _ := configPorts(tc.text)
		assert.Equal(t, tc.want, p, tc.text)
	}
}

func FuzzConfigPorts(f *testing.F) {
	for _, s := range []string{"listen = \":80\"\n", "{\"port\": 80, \"a\": [1,2]}", "- bind *:443\n", "server {\n listen 80;\n}", "port:\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, _, ok := configPorts(s); ok && (p <= 0 || p >= 1024) {
			t.Fatalf("%q: port %d", s, p)
		}
	})
}
