#!/usr/bin/env bash
# es.sh — a real single-node Elasticsearch on loopback for development and
# tests (README, make es-up). It downloads the distribution that Maven Central
# publishes for integration testing
# (org.elasticsearch.distribution.integ-test-zip:elasticsearch, a zip with the
# server core only), caches it outside the repository, and runs it as a
# dedicated non-root user when started as root (Elasticsearch refuses root).
#
#   scripts/es.sh up      start (or find) it, wait for health, print its URL last
#   scripts/es.sh down    stop it
#   scripts/es.sh url     print its URL if it is running, else exit 1
#   scripts/es.sh status  say whether it runs
#
# Settings (environment):
#   ES_VERSION                 8.19.21 (default), an exact version, or a line
#                              such as 8.19.x / 9.x resolved to its newest
#                              release on Maven Central
#   PARLEY_ES_CACHE            cache folder; default
#                              ${XDG_CACHE_HOME:-$HOME/.cache}/parley/es, or
#                              /var/cache/parley/es as root (the service user
#                              cannot enter /root)
#   PARLEY_ES_NAME             instance name (default "default"): each name has
#                              its own data, port and pid file
#   PARLEY_ES_PORT             HTTP port (default 9200; the next free port if taken)
#   PARLEY_ES_HEAP             heap size (default 512m)
#   PARLEY_ES_WRITE_QUEUE_SIZE thread_pool.write.queue_size (static setting;
#                              a tiny value forces 429 rejections in tests)
#   PARLEY_ES_SECURITY         1: security on (basic auth over plain HTTP) with
#                              the user elastic and PARLEY_ES_PASSWORD; for
#                              tests of credentials (default off)
#   PARLEY_ES_TIMEOUT          seconds to wait for health (default 180)
#   PARLEY_ES_USER             service user when run as root (default parley-es)
#
# Progress goes to stderr; the URL is the last line on stdout.
set -euo pipefail

log() { printf 'es.sh: %s\n' "$*" >&2; }
die() { printf 'es.sh: error: %s\n' "$*" >&2; exit 1; }

ES_VERSION=${ES_VERSION:-8.19.21}
NAME=${PARLEY_ES_NAME:-default}
HEAP=${PARLEY_ES_HEAP:-512m}
TIMEOUT=${PARLEY_ES_TIMEOUT:-180}
ES_USER=${PARLEY_ES_USER:-parley-es}
GA=org.elasticsearch.distribution.integ-test-zip:elasticsearch

[[ $NAME =~ ^[A-Za-z0-9_-]+$ ]] || die "PARLEY_ES_NAME=$NAME: use letters, digits, - and _"

if [[ $(id -u) -eq 0 ]]; then
	CACHE=${PARLEY_ES_CACHE:-/var/cache/parley/es}
else
	CACHE=${PARLEY_ES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/es}
fi
INST=$CACHE/instances/$NAME
PIDFILE=$INST/es.pid
URLFILE=$INST/url

# --- helpers ---------------------------------------------------------------

health() { # health URL -> prints status (green/yellow/red) or nothing
	local auth=()
	[[ ${PARLEY_ES_SECURITY:-} == 1 ]] && auth=(-u "elastic:${PARLEY_ES_PASSWORD:-}")
	curl -fsS --max-time 5 "${auth[@]}" "$1/_cluster/health" 2>/dev/null |
		sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

running_pid() { # prints the pid of this instance if alive
	[[ -s $PIDFILE ]] || return 1
	local pid
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	# A stale pid file may name an unrelated process: check it is java.
	grep -q java "/proc/$pid/cmdline" 2>/dev/null || return 1
	echo "$pid"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

java_major() { # java_major JAVA_HOME -> major version
	"$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
}

pick_java() { # pick_java MIN MAX -> JAVA_HOME with MIN <= major <= MAX
	local min=$1 max=$2 c m
	local cands=()
	[[ -n ${ES_JAVA_HOME:-} ]] && cands+=("$ES_JAVA_HOME")
	[[ -n ${JAVA_HOME:-} ]] && cands+=("$JAVA_HOME")
	for c in /usr/lib/jvm/*; do [[ -x $c/bin/java && ! -L $c ]] && cands+=("$c"); done
	if command -v java >/dev/null; then
		cands+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
	fi
	for c in "${cands[@]}"; do
		[[ -x $c/bin/java ]] || continue
		m=$(java_major "$c")
		[[ -n $m ]] && ((m >= min && m <= max)) && { echo "$c"; return 0; }
	done
	return 1
}

resolve_version() { # resolves "8.19.x" / "9.x" to the newest release
	local v=$1
	[[ $v == *x ]] || { echo "$v"; return; }
	local base=${v%x} lo hi
	base=${base%.}
	IFS=. read -r -a parts <<<"$base"
	lo="$base.0"
	if ((${#parts[@]} == 1)); then hi="$((parts[0] + 1)).0.0"; lo="$base.0.0"; else hi="${parts[0]}.$((parts[1] + 1)).0"; fi
	local d
	d=$(mktemp -d)
	cat >"$d/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>parley</groupId><artifactId>es-version</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>${GA%%:*}</groupId><artifactId>${GA##*:}</artifactId>
<version>[$lo,$hi)</version><type>pom</type></dependency></dependencies></project>
EOF
	log "resolving the newest $GA in [$lo,$hi) on Maven Central"
	# (Maven Central has no 9.x integ-test zip as of this writing: 9.x fails here.)
	if ! (cd "$d" && mvn -q -B dependency:list -DoutputFile="$d/out.txt" >"$d/mvn.log" 2>&1); then
		grep -m 2 -E 'No versions|Could not|Failed' "$d/mvn.log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
		rm -rf "$d"
		die "no $GA release in [$lo,$hi) on Maven Central"
	fi
	v=$(sed -n 's/.*:pom:\([^:]*\):.*/\1/p' "$d/out.txt" | head -n 1)
	rm -rf "$d"
	[[ -n $v ]] || die "could not resolve $1"
	echo "$v"
}

install_dist() { # install_dist VERSION -> prints ES_HOME
	local v=$1 dir=$CACHE/dist/$1
	local home=$dir/elasticsearch-$v
	if [[ -x $home/bin/elasticsearch ]]; then echo "$home"; return; fi
	mkdir -p "$dir"
	local zip=$dir/elasticsearch-$v.zip
	if [[ ! -s $zip ]]; then
		log "downloading $GA:$v:zip with Maven (about 100 MB, once)"
		if ! mvn -q -B dependency:copy -Dartifact="$GA:$v:zip" -DoutputDirectory="$dir" \
			-Dmdep.overWriteReleases=true >"$dir/mvn.log" 2>&1; then
			grep -m 2 -E 'Could not|Failed|not found' "$dir/mvn.log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
			die "download of $GA:$v:zip failed (log: $dir/mvn.log)"
		fi
	fi
	log "unpacking into $dir"
	rm -rf "$home.tmp" && mkdir -p "$home.tmp"
	unzip -q "$zip" -d "$home.tmp"
	mv "$home.tmp/elasticsearch-$v" "$home" && rm -rf "$home.tmp"
	echo "$home"
}

ensure_user() {
	id -u "$ES_USER" >/dev/null 2>&1 && return
	log "creating system user $ES_USER to run Elasticsearch (it refuses root)"
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER" ||
		die "could not create user $ES_USER"
}

# --- commands --------------------------------------------------------------

cmd_url() {
	running_pid >/dev/null && [[ -s $URLFILE ]] || { log "Elasticsearch ($NAME) is not running"; return 1; }
	cat "$URLFILE"
}

wait_healthy() { # wait_healthy URL PID
	local url=$1 pid=$2 start=$SECONDS st
	log "waiting for $url to report yellow or green (up to ${TIMEOUT}s)"
	while :; do
		st=$(health "$url")
		if [[ $st == green || $st == yellow ]]; then
			log "cluster health: $st after $((SECONDS - start))s"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			log "Elasticsearch exited; the end of its log:"
			tail -n 30 "$INST/logs/"*.log >&2 2>/dev/null || true
			return 1
		fi
		if [[ -z $st ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/_cluster/health") == 401 ]] &&
			[[ ${PARLEY_ES_SECURITY:-} != 1 || -n $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "elastic:${PARLEY_ES_PASSWORD:-}" "$url/_cluster/health" | grep 401) ]]; then
			log "$url runs with security on and refuses these credentials (PARLEY_ES_SECURITY, PARLEY_ES_PASSWORD)"
			return 1
		fi
		if ((SECONDS - start > TIMEOUT)); then
			log "no healthy cluster after ${TIMEOUT}s (status: ${st:-no answer}); log in $INST/logs"
			return 1
		fi
		log "  ... ${st:-starting} ($((SECONDS - start))s)"
		sleep 3
	done
}

cmd_up() {
	command -v curl >/dev/null || die "curl is missing: install it (apt-get install curl)"
	mkdir -p "$CACHE" "$INST"
	exec 9>"$CACHE/.lock-$NAME"
	flock 9
	local pid
	if pid=$(running_pid) && [[ -s $URLFILE ]]; then
		local url
		url=$(<"$URLFILE")
		log "Elasticsearch ($NAME) already running, pid $pid"
		wait_healthy "$url" "$pid" || exit 1
		echo "$url"
		return
	fi
	command -v mvn >/dev/null || die "Maven (mvn) is missing: install it (apt-get install maven) to download Elasticsearch; the Elasticsearch integration tests will skip"
	command -v java >/dev/null || compgen -G '/usr/lib/jvm/*/bin/java' >/dev/null ||
		die "Java is missing: install a JDK 17 or newer (apt-get install openjdk-17-jdk-headless); the Elasticsearch integration tests will skip"
	command -v unzip >/dev/null || die "unzip is missing: install it (apt-get install unzip)"

	local v
	v=$(resolve_version "$ES_VERSION")
	local major=${v%%.*} jhome
	if ((major >= 9)); then
		jhome=$(pick_java 21 99) || die "Elasticsearch $v needs Java 21 or newer: none found (set ES_JAVA_HOME)"
	else
		jhome=$(pick_java 17 24) || die "Elasticsearch $v needs Java 17 to 24: none found (set ES_JAVA_HOME)"
	fi
	local home
	home=$(install_dist "$v")

	# Instance folder: config copied from the distribution, data and logs.
	local conf=$INST/config
	rm -rf "$conf" && mkdir -p "$conf" "$INST/data" "$INST/logs" "$INST/tmp"
	cp -r "$home/config/." "$conf/"
	local port=${PARLEY_ES_PORT:-9200}
	local tries=0
	while port_taken "$port"; do
		log "port $port is taken, trying $((port + 1))"
		port=$((port + 1)) tries=$((tries + 1))
		((tries < 100)) || die "no free port from ${PARLEY_ES_PORT:-9200}"
	done
	{
		echo "cluster.name: parley-$NAME"
		echo "node.name: parley-$NAME"
		echo "network.host: 127.0.0.1"
		echo "http.port: $port"
		echo "transport.port: 9300-9400"
		echo "discovery.type: single-node"
		echo "path.data: $INST/data"
		echo "path.logs: $INST/logs"
		echo "cluster.routing.allocation.disk.threshold_enabled: false"
		echo "action.destructive_requires_name: false"
		# Only settings the distribution knows: the integ-test zip has
		# x-pack-security as a module in 8.x, but check rather than assume.
		if [[ ${PARLEY_ES_SECURITY:-} == 1 ]]; then
			[[ -d $home/modules/x-pack-security ]] || die "PARLEY_ES_SECURITY=1: this distribution has no x-pack-security module"
			echo "xpack.security.enabled: true"
			echo "xpack.security.http.ssl.enabled: false"
			echo "xpack.security.transport.ssl.enabled: false"
		elif [[ -d $home/modules/x-pack-security ]]; then
			echo "xpack.security.enabled: false"
		fi
		if [[ -d $home/modules/ingest-geoip ]]; then
			echo "ingest.geoip.downloader.enabled: false"
		fi
		if [[ -n ${PARLEY_ES_WRITE_QUEUE_SIZE:-} ]]; then
			echo "thread_pool.write.queue_size: $PARLEY_ES_WRITE_QUEUE_SIZE"
		fi
	} >"$conf/elasticsearch.yml"
	if [[ ${PARLEY_ES_SECURITY:-} == 1 ]]; then
		[[ -n ${PARLEY_ES_PASSWORD:-} ]] || die "PARLEY_ES_SECURITY=1 needs PARLEY_ES_PASSWORD (the password of the user elastic)"
		ES_JAVA_HOME=$jhome ES_PATH_CONF=$conf "$home/bin/elasticsearch-keystore" create >/dev/null
		printf '%s' "$PARLEY_ES_PASSWORD" | ES_JAVA_HOME=$jhome ES_PATH_CONF=$conf \
			"$home/bin/elasticsearch-keystore" add -x -f bootstrap.password >/dev/null
		log "security on: user elastic with PARLEY_ES_PASSWORD"
	fi
	log "Elasticsearch $v, modules: $(ls "$home/modules" | tr '\n' ' ')"
	log "instance $NAME in $INST, java $(java_major "$jhome") from $jhome, heap $HEAP"

	rm -f "$PIDFILE"
	# ES_JAVA_HOME picks the JDK (ES ignores JAVA_HOME and warns about it).
	local envs=(ES_JAVA_HOME="$jhome" ES_PATH_CONF="$conf"
		ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" ES_TMPDIR="$INST/tmp")
	if [[ $(id -u) -eq 0 ]]; then
		ensure_user
		chown -R "$ES_USER:" "$INST" "$CACHE/dist/$v"
		chmod 755 "$CACHE" "$CACHE/instances" "$CACHE/dist" 2>/dev/null || true
		runuser -u "$ES_USER" -- env -u JAVA_HOME "${envs[@]}" "$home/bin/elasticsearch" -d -p "$PIDFILE" \
			>"$INST/logs/startup.out" 2>&1 || { cat "$INST/logs/startup.out" >&2; die "Elasticsearch did not start"; }
	else
		env -u JAVA_HOME "${envs[@]}" "$home/bin/elasticsearch" -d -p "$PIDFILE" \
			>"$INST/logs/startup.out" 2>&1 || { cat "$INST/logs/startup.out" >&2; die "Elasticsearch did not start"; }
	fi
	local i=0
	while [[ ! -s $PIDFILE ]] && ((i++ < 60)); do sleep 1; done
	pid=$(running_pid) || { cat "$INST/logs/startup.out" >&2; die "Elasticsearch did not write its pid file"; }
	local url="http://127.0.0.1:$port"
	echo "$url" >"$URLFILE"
	log "started pid $pid"
	if ! wait_healthy "$url" "$pid"; then
		die "Elasticsearch is not healthy; stop it with: scripts/es.sh down"
	fi
	echo "$url"
}

cmd_down() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock-$NAME"
	flock 9
	local pid
	if ! pid=$(running_pid); then
		log "Elasticsearch ($NAME) is not running"
		rm -f "$PIDFILE" "$URLFILE"
		return 0
	fi
	log "stopping Elasticsearch ($NAME), pid $pid"
	kill "$pid"
	local i=0
	while kill -0 "$pid" 2>/dev/null; do
		if ((i++ >= 60)); then
			log "still running after 60s, killing"
			kill -9 "$pid" 2>/dev/null || true
			break
		fi
		sleep 1
	done
	rm -f "$PIDFILE" "$URLFILE"
	log "stopped"
}

cmd_status() {
	local pid
	if pid=$(running_pid); then
		echo "running pid $pid at $(cat "$URLFILE" 2>/dev/null) health $(health "$(cat "$URLFILE" 2>/dev/null)")"
	else
		echo "not running"
		return 1
	fi
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
url) cmd_url ;;
pid) running_pid || { log "Elasticsearch ($NAME) is not running"; exit 1; } ;;
status) cmd_status ;;
*)
	echo "usage: scripts/es.sh up|down|url|pid|status" >&2
	exit 2
	;;
esac
