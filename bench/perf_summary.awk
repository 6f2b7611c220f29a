# Summarises `perf script` output of a perf record -g of one Go process
# (bench/run): where the CPU time went, by function and by Go package.
#
#   perf script -i perf.data | awk -f bench/perf_summary.awk
#
# self:      share of samples whose innermost frame is in the function/package
# inclusive: share of samples with the function/package anywhere on the stack
#            (shares add up to more than 100%)
# Kernel frames count as "[kernel]".

function pkg(sym, dso,    s, i, pre, rest) {
	if (dso ~ /kernel|vdso/) return "[kernel]"
	if (sym == "" || sym ~ /^\[unknown\]/) return "[unknown]"
	s = sym
	i = index(s, "[")              # generic instantiation: name[go.shape…]
	if (i > 1) s = substr(s, 1, i - 1)
	pre = ""; rest = s
	if (match(s, /.*\//)) { pre = substr(s, 1, RLENGTH); rest = substr(s, RLENGTH + 1) }
	i = index(rest, ".")
	if (i > 0) rest = substr(rest, 1, i - 1)
	return pre rest
}

BEGIN {
	# Landmarks: a name and a regular expression on frames.
	nl = 0
	lm[++nl] = "SQL: compile statements (sqlite3LockAndPrepare)";   lre[nl] = "_sqlite3LockAndPrepare"
	lm[++nl] = "SQL: run statements (sqlite3VdbeExec)";             lre[nl] = "_sqlite3VdbeExec$"
	lm[++nl] = "SQL: fsync";                                         lre[nl] = "^modernc.org/libc.X(fsync|fdatasync)$"
	lm[++nl] = "database/sql";                                       lre[nl] = "^database/sql[.]"
	lm[++nl] = "Vigil: action loaded (sqlite.queryActionsTx)";      lre[nl] = "^vigil/internal/store/sqlite[.]queryActionsTx$"
	lm[++nl] = "templates (html/template, text/template)";          lre[nl] = "^(html|text)/template[.]"
	lm[++nl] = "reflect";                                            lre[nl] = "^reflect[.]"
	lm[++nl] = "markdown (goldmark)";                                lre[nl] = "^github.com/yuin/goldmark"
	lm[++nl] = "HTML sanitising (bluemonday)";                       lre[nl] = "^github.com/microcosm-cc/bluemonday"
	lm[++nl] = "gzip (compress/flate)";                              lre[nl] = "^compress/flate[.]"
	lm[++nl] = "sealing (vigil/internal/secret)";                    lre[nl] = "^vigil/internal/secret[.]"
	lm[++nl] = "emails composed (vigil/internal/notify)";            lre[nl] = "^vigil/internal/notify[.]"
	lm[++nl] = "outbox worker (vigil/internal/mail)";                lre[nl] = "^vigil/internal/mail[.]"
	lm[++nl] = "translations (i18n)";                                lre[nl] = "i18n"
	lm[++nl] = "metrics (prometheus)";                               lre[nl] = "prometheus"
	lm[++nl] = "response headers (http.Header, MIME keys)";         lre[nl] = "^net/http[.]Header[.]|^net/textproto[.]CanonicalMIMEHeaderKey$"
	lm[++nl] = "socket writes (poll.FD.Write)";                      lre[nl] = "^internal/poll[.][(][*]FD[)][.]Write$"
	lm[++nl] = "socket reads (poll.FD.Read)";                        lre[nl] = "^internal/poll[.][(][*]FD[)][.]Read$"
	lm[++nl] = "memory allocation (runtime.mallocgc)";              lre[nl] = "^runtime[.]mallocgc$"
	lm[++nl] = "garbage collection (mark workers and assists)";     lre[nl] = "^runtime[.](gcBgMarkWorker|gcAssistAlloc)$"
	lm[++nl] = "scheduler (runtime.schedule)";                       lre[nl] = "^runtime[.]schedule$"
}

function flush(    k) {
	if (!insample) return
	insample = 0
	if (nframes == 0) return
	samples++
	self_fn[leaf]++
	self_pkg[leafpkg]++
	for (k in seen_pkg) incl_pkg[k]++
	for (k in seen_fn) incl_fn[k]++
	for (k in seen_lm) incl_lm[lm[k]]++
	delete seen_pkg
	delete seen_fn
	delete seen_lm
}

# A sample header starts in column 1; its frames are indented.
/^[^ \t]/ { flush(); insample = 1; nframes = 0; next }
/^[ \t]*$/ { flush(); next }
{
	line = $0
	sub(/^[ \t]+[0-9a-f]+[ \t]+/, "", line)      # address
	dso = ""
	if (match(line, / \([^()]*\)$/)) {             # " (dso)"
		dso = substr(line, RSTART + 2, RLENGTH - 3)
		line = substr(line, 1, RSTART - 1)
	}
	sub(/\+0x[0-9a-f]+$/, "", line)                # "+0xoffset"
	p = pkg(line, dso)
	if (p == "[kernel]") line = "[kernel] " line
	if (nframes == 0) { leaf = line; leafpkg = p }
	nframes++
	seen_pkg[p] = 1
	if (line ~ /^vigil\//) seen_fn[line] = 1
	for (i = 1; i <= nl; i++)
		if (line ~ lre[i]) seen_lm[i] = 1
}

function top(arr, n, title,    k, i, j, keys, m, tmp) {
	m = 0
	for (k in arr) keys[++m] = k
	for (i = 2; i <= m; i++) {                      # insertion sort, descending
		tmp = keys[i]
		for (j = i - 1; j >= 1 && arr[keys[j]] < arr[tmp]; j--) keys[j + 1] = keys[j]
		keys[j + 1] = tmp
	}
	printf "%s\n", title
	for (i = 1; i <= m && i <= n; i++)
		printf "  %5.1f%%  %s\n", 100 * arr[keys[i]] / samples, keys[i]
}

END {
	flush()
	if (samples == 0) { print "samples 0"; exit 1 }
	printf "samples %d\n", samples
	top(self_fn, 15, "self, by function:")
	top(self_pkg, 12, "self, by package:")
	top(incl_pkg, 20, "inclusive, by package:")
	top(incl_lm, nl, "inclusive, landmarks:")
	top(incl_fn, 30, "inclusive, Vigil's own functions (the middleware chain first):")
}
