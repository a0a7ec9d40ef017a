// Package nonroot is the non-root pass of dfopt.
//
// # Pass non-root
//
// non-root: run the final stage's program as a system user instead of root
//
// A container runs as root unless its image sets a USER. This pass creates a
// system user the way the base's distribution does, switches to it after the
// last step of the stage that changes files (RUN, COPY, ADD, WORKDIR), so
// before CMD and ENTRYPOINT, and gives it the application directory: the
// working directory the stage, or a stage of the file it is built FROM
// (FROM build), sets with WORKDIR, what COPY and ADD of the stage put
// there (what a stage it is built FROM copied there stays root's: the
// user does not exist there), and the directories that mkdir in a RUN of
// the stage or of those stages makes there (chown -R
// after the last step; a mkdir whose operand cannot be read is declined,
// and so is a relative one in a RUN that changes directory with cd, pushd
// or popd, or in a subshell: the pass does not follow where it went; so
// is a mkdir that may not run, in a condition, a subshell or where its
// failure does not fail the RUN, and a directory that a RUN of the stage
// may remove or move afterwards, since chown -R of a directory that is not
// there fails the build; names are shell-quoted). A last WORKDIR of the
// stage or of those stages that dfopt cannot resolve (quoted, a variable,
// or relative to a base image's directory) is declined: the directory
// would stay root's. So is a RUN after that WORKDIR that may remove or
// move the directory or one above it (RUN rm -rf /app: its chown would
// fail the build), and a directory that a stage it is built FROM copies
// there (COPY . ., COPY tmp/ tmp/, dist/*, a directory of the build
// context; not package*.json): it
// stays root's, and a program that writes in it (a pid file in
// tmp/pids) fails as the new user; files it copies there are read only.
// A directory that a COPY or ADD of the stage or of those stages gives
// to another user (COPY --chown=1000:1000 . .) is declined too: the file
// means that user to run the program.
//
// Before:
//
//	FROM python:3.12-slim
//	WORKDIR /app
//	COPY requirements.txt .
//	RUN pip install --no-cache-dir -r requirements.txt
//	COPY . .
//	CMD ["python", "main.py"]
//
// After:
//
//	FROM python:3.12-slim
//	WORKDIR /app
//	RUN useradd --system --user-group --create-home app && chown app:app /app
//	COPY --chown=app:app requirements.txt .
//	RUN pip install --no-cache-dir -r requirements.txt
//	COPY --chown=app:app . .
//	USER app
//	CMD ["python", "main.py"]
//
// The user is app, created with useradd --system --user-group --create-home
// on Debian and Ubuntu bases (their images all have useradd), with busybox's
// addgroup -S and adduser -S -D on Alpine. When the file already creates
// one user (useradd or adduser), or the base has one for the purpose (node's
// node), the fix switches to that one instead; on distroless bases it uses
// their nonroot user by id (USER 65532:65532), and declares --chown with the
// same id. COPY and ADD into the application directory get --chown where the
// user exists; those that set --chown already keep it.
//
// What changes: the image's User, the user and group databases (/etc/passwd,
// /etc/group, /etc/shadow, /etc/gshadow), the new user's home directory, and
// the owner of the application directory and of what is copied there. dfopt
// verify lists these as changed on purpose; smoke commands run as the new
// user (id -u no longer prints 0).
//
// What to check: that the program writes only to its application
// directory, its home directory and /tmp (files elsewhere stay root's,
// including those RUN steps created); that it opens no port below 1024,
// also when a build argument or a variable given at run time sets it (the
// pass reads ARG PORT=8080 as 8080); that
// nothing run with docker exec or a HEALTHCHECK needs root; and, on
// Kubernetes, that runAsNonRoot wants a numeric USER (useradd --system picks
// the id: add --uid and use it in USER if you need one).
//
// The program is found through exec, init wrappers (tini, dumb-init and
// their --), the programs that run the rest of their command line (env
// NAME=VALUE, nice, nohup, timeout, stdbuf, ionice, setsid, ..., also in a
// JSON ENTRYPOINT or CMD) and shells: sh -c STRING is read as a command
// line, sh SCRIPT and . SCRIPT (source SCRIPT) as the script, and a shell-form CMD by the shell's own
// word values (CMD "/run.sh" runs /run.sh).
//
// A script is a file named like one (.sh, .bash, entrypoint), and any
// program that a COPY or ADD brought by name and that is not a compiled
// program (read from the build context: it does not start as an ELF file
// does): docker-init, /opt/run-server. One that cannot be read (not in
// the context, ADD of a URL or an archive, a file a RUN unpacks and makes
// executable with chmod, a file a RUN copies, moves, installs or links
// into the program's place with cp, mv, install or ln) may be a script
// that needs root. A bare name is also looked for in the directories and
// archives that a COPY or ADD (not --from) puts in a PATH directory: read
// from the build context when it is there, and unreadable when it is an
// archive or there is no context. A program a RUN builds in a directory a
// COPY brought is not taken for a script; without the build context, one
// such a COPY may have brought and that no RUN of the file names (go build
// -o serv names serv) may be a file of the context, a script: declined.
//
// Left alone, with a finding that says why: a USER root in the file; an
// entrypoint that starts as root on purpose (the gosu or su-exec pattern of
// the official database images: a RUN, ENTRYPOINT or CMD that runs gosu,
// su-exec, setpriv, s6-setuidgid, chpst, runuser or chroot --userspec, a
// CMD or ENTRYPOINT that runs chown, mount, sysctl, setcap, a package
// manager and the like, an entrypoint script in the build context (run
// directly or by sh or bash) that runs any of these or writes to a system
// directory (/etc, /usr, /opt, /var/lib, /var/log, /run, ...), or names
// in a redirection or in mkdir, touch, tee, cp, mv, ln, install, rm, chmod
// or sed -i any absolute path outside the working directory, /tmp and /dev
// (/data, /config.json, /proc/sys) or a path in a variable, a script
// dfopt cannot read, or a base whose own ENTRYPOINT does: postgres, mysql, mariadb, mongo,
// redis, rabbitmq, wordpress, nginx, httpd, and any base it does not know);
// a program whose job needs root (cron and crond, supervisord, runsvdir,
// s6-svscan, sshd, mysqld, mariadbd, postgres, nginx, httpd, apache2,
// php-fpm under any of its packaged names (php-fpm83, php-fpm8.2),
// rsyslogd, syslog-ng, dockerd, containerd, dnsmasq, named, openvpn,
// wg-quick, tailscaled, chronyd, keepalived, postfix, exim, dovecot,
// slapd, smbd, vsftpd, xinetd, cupsd, squid, systemd, openrc and init;
// and the packaged daemons that start as root to read what their package
// made their own system user's, or that need root outright: redis-server,
// redis-sentinel, freshclam, clamd, mosquitto, freeradius, radiusd, tor,
// unbound, varnishd, privoxy, tinyproxy, stunnel, lighttpd, proftpd,
// pure-ftpd, dropbear, dbus-daemon, avahi-daemon, rpcbind, rpc.nfsd,
// rpc.mountd, dhcpd, snmpd, ntpd, ipsec and charon; and the servers that
// listen on a port below 1024 unless told otherwise: caddy, openresty,
// nginx-debug, haproxy, traefik, coredns, knotd, nsd, pdns_server,
// pdns_recursor, thttpd, mini_httpd, in.tftpd, tftpd, kea-dhcp4,
// kea-dhcp6, nmbd, hitch, smtpd and rsync --daemon without --port or
// --config),
// also behind a shell, an init, env or busybox (busybox crond); a service
// started through its init script (service NAME start, invoke-rc.d,
// rc-service, /etc/init.d/NAME); a program started with sudo or doas (which need root, or a
// rule for the new user); a stage with no CMD or ENTRYPOINT in the file, or whose program is
// a shell or a bare interpreter (sh, bash, python3, irb, node), or a
// command that only keeps the container running (sleep infinity, tail -f
// /dev/null): an image to build on or to run commands in, whose users
// would start as the new user; a directory that mkdir in a RUN makes
// outside the application directory and /tmp, which an ENV, CMD or
// ENTRYPOINT of the stage or a stage it is built FROM names (ENV
// DATA_DIR=/srv-data): the program
// writes there, and it would stay root's; a RUN that installs into root's home directory (playwright
// install, puppeteer, pip install --user, cargo install, pipx, rustup,
// nvm, pyenv, installers that write ~/.local, git config --global, paths
// under /root, ~ or $HOME other than the caches pip, npm, yarn, uv,
// poetry, Go, Maven, Gradle and Composer keep there, and their removal), a
// COPY or ADD into it, or a working directory that is /root or another
// system directory (/usr, /usr/local, /etc, /var, /opt, /home, /tmp,
// ...); a user creation (useradd, adduser) whose login cannot be read;
// a port below 1024 that the program listens on (non-root may bind it on
// Docker 20.10 and later, not on older Docker nor on Kubernetes by
// default): in EXPOSE, in CMD or ENTRYPOINT, in an ENV, or in a
// configuration file a COPY or ADD puts in the image (a heredoc, or a file
// of the build context it names whose name ends in .conf, .cfg, .ini,
// .toml, .yaml, .yml, .json, .properties or .env; a line KEY = VALUE, KEY:
// VALUE or KEY VALUE is read as the option KEY: listen = ":80", port: 80,
// nginx's listen 80;, server.port=80). A port is read
// as the value of a listening option: one whose name has the word port,
// listen, bind, addr or address (--port 80, --listen=*:80, --bind
// [::]:80, -Dserver.port=80, --httpPort 80, PORT=80 and HTTP_PORT=80
// before the command or in ENV; not --import, REPORT_DAYS, nor a name
// that ends in backlog, timeout, size, count, limit and the like, as
// --listen-backlog, --port-timeout) or ends in
// http, https, urls or socket (uwsgi --http :80, ASPNETCORE_URLS=http://+:80),
// -p 80, -b 0.0.0.0:80, -b tcp://0.0.0.0:80, -l with an address, and -l 80
// for the programs that listen with it (serve, nc, ncat, netcat); a value
// is a number, an address, a URL, a list of them or a shell default
// (${PORT:-80}). An address of every interface or the loopback is one to
// listen on whatever option it is given to (php -S 0.0.0.0:80), and so is
// an address given as an operand (runserver 0.0.0.0:80), socat's
// TCP-LISTEN:80 and http.server 80. Not read as ports: the address of
// another host given to another option (--proxy proxy.internal:80,
// --upstream http://backend:80), a number after a short option other than
// -p and -b (-l 5 of a program that does not listen with -l), and an
// option or ENV named for a server the program connects to (EMAIL_PORT,
// SMTP_PORT, LDAP_PORT, DB_PORT, REDIS_PORT, PROXY_PORT, --db-port,
// --redis-addr, ...). A variable (ARG PORT=8080 + ENV PORT=$PORT, EXPOSE
// $PORT) is read as its value in a build given no build arguments: the
// ARG's default, or the global ARG's for an ARG without one; one without
// a default, or set by the base image, cannot be read, and an EXPOSE or an
// ENV named for a port with it is declined;
// a VOLUME (it
// starts out owned by root); ONBUILD; several users created by the file;
// scratch (no users; a numeric USER works when the program needs no home);
// busybox (not every busybox build has adduser);
// RHEL-family bases (useradd is not in all of them) and bases whose family
// is not known.
//
// Not reported: a final stage that sets a non-root USER or is built on an
// image that does (known images with a default user, names with nonroot,
// rootless or unprivileged), a base given by an unresolved variable, and
// Windows stages.
//
// The finding is about the stage: # dfopt:ignore=non-root above its FROM
// switches the pass off for it, also where the finding is reported at the
// instruction that keeps it from adding a user.
//
// Tier: aggressive: the image's user and file ownership change.
package nonroot

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the non-root pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "non-root", Tier: analysis.Aggressive, Run: run})
