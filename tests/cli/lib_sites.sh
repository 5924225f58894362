# lib_sites.sh: what the migrate and fault tests share, sourced after lib.sh (and mariadb.sh for
# MariaDB). Platforms and sites come from tests/fixtures/gen/drover-fixture; updates are run by
# tests/fixtures/update-runner (a test double of drush/setup:upgrade, configured as each
# adapter's update_command).
#
#   sites_config FILE DATA_DIR [mysql]
#                                a drover.cfg: data under DATA_DIR, the shipped adapters, the
#                                update runner; "mysql" adds the MariaDB server as default
#   site_content PLATFORM_DIR CMS [SITE_DIR]
#                                files a real site has (uploads, logs), and one the adapter
#                                leaves out of backups (a cache), so that moves carry data
#   $STATE snap OUT.json         the whole observable state (see below)
#   $STATE check MODE BEFORE AFTER [--domain D] [--to-domain D] [--platform P] [--kind K]
#                                snaps AFTER and prints (as TAP diagnostics) what differs from
#                                what MODE expects: unchanged, rolled_back (the last task rolled
#                                back, nothing else changed), moved, cloned, deleted, restored
#                                (that task done, the site's new state whole); exit 1 if anything
#   $STATE get STATE.json EXPR    a Python expression over the state `s`
#
# The state (a JSON file): the registry as `site list --json`, `platform list --json`, `tasks
# --json` and `backups --json` show it; every file and directory of every registered platform
# (sha256, symlink target); every site database as a sorted logical dump; which databases and
# users the db server holds; what lies in the backup directory; each site's maintenance state.
#
# Dumps leave out, on purpose (the checks say "logically identical" modulo these):
#   - the rows of cache tables (Drupal cache, cache_*; Magento core_cache*, cache, cache_tag):
#     maintenance mode and cache clears empty them, by design, and the CMS rebuilds them;
#   - Drupal 7 variable 'maintenance_mode' and Drupal 8+ key_value state
#     'system.maintenance_mode': switching maintenance off writes i:0; / b:0; where the row
#     may have been absent before, which the CMS reads the same;
#   - MySQL AUTO_INCREMENT counters in CREATE TABLE.
# Moves compare the new copy's dump with the old one after also leaving out what a move changes
# on purpose: the schema rows the updates raise (the whole Drupal 7 system table, whose rows
# also hold file paths the fix-ups rewrite under a renamed site directory, and registry*;
# key_value system.schema and post_update; core_resource; setup_module; patch_list), the base
# URLs in Magento's core_config_data after a new domain or platform, and the CSS/JS query string
# the cache clear renews (Drupal 7 variable / 8+ state css_js_query_string).

GEN="$top_srcdir/tests/fixtures/gen/drover-fixture"
UPDATE_RUNNER="$top_srcdir/tests/fixtures/update-runner"
STATE="$T/sitestate"

sites_config() { # FILE DATA_DIR [mysql]
	if [ "${3:-}" = mysql ]; then
		ur_db="--mysql-defaults $MYSQL_DEFAULTS"
		servers="db_servers: {
  maria: { driver = \"mysql\"; socket = \"$MYSQL_SOCKET\"; user = \"$(id -un)\"; };
};
default_db_server = \"maria\";"
	else
		ur_db="--sqlite-dir $2/databases"
		servers=""
	fi
	cat >"$1" <<CFG
data_dir = "$2";
builtin_plugins = false;
plugin_dirs = [ "$SHIPPED_ADAPTERS" ];
$servers
adapters: {
  drupal: { update_command = "$UPDATE_RUNNER --cms drupal --root {root} --site-dir {site_dir} $ur_db"; };
  magento: { update_command = "$UPDATE_RUNNER --cms magento --root {root} $ur_db"; };
};
CFG
}

site_content() { # PLATFORM_DIR CMS [SITE_DIR]
	case $2 in
	drupal*)
		f="$1/$3/files"
		mkdir -p "$f/images/2024" "$f/css" "$f/private"
		printf 'An upload of %s\n' "$3" >"$f/notes.txt"
		head -c 3000 /dev/urandom >"$f/images/2024/photo.jpg"
		printf 'body{}\n' >"$f/css/css_aggregated.css" # left out of backups: rebuilt by Drupal
		printf 'deny from all\n' >"$f/private/.htaccess"
		;;
	magento1 | openmage)
		mkdir -p "$1/media/catalog/product/a/b" "$1/var/log" "$1/var/cache/mage--0"
		head -c 3000 /dev/urandom >"$1/media/catalog/product/a/b/shoe.jpg"
		printf '2024-01-01 system log\n' >"$1/var/log/system.log"
		printf 'cached\n' >"$1/var/cache/mage--0/mage---x" # left out: Magento rebuilds it
		;;
	magento2)
		mkdir -p "$1/pub/media/catalog/product/a/b" "$1/var/log" "$1/var/cache/mage--0"
		head -c 3000 /dev/urandom >"$1/pub/media/catalog/product/a/b/shoe.jpg"
		printf '2024-01-01 system log\n' >"$1/var/log/system.log"
		printf 'cached\n' >"$1/var/cache/mage--0/mage---x"
		;;
	esac
}

cat >"$STATE.py" <<'PY'
import hashlib, json, os, re, sqlite3, subprocess, sys

DROVER = [os.environ["DROVER"], "--config", os.environ["CFG"]]
DEFAULTS = os.environ.get("MYSQL_DEFAULTS_FILE", "")
DATA = os.environ["DATA_DIR"]
EXTRA_DB_DIRS = [d for d in os.environ.get("SITE_DB_DIRS", "").split(":") if d]

def drover(*args):
    r = subprocess.run(DROVER + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr

def dj(*args):
    rc, out, err = drover(*(list(args) + ["--json"]))
    if rc:
        raise SystemExit("drover %s: %s" % (" ".join(args), err.strip()))
    return json.loads(out)

# sha256 of files already hashed by the snapshot this one is compared with, by path and stat
# (inode, size, mtime, ctime: any write or rename changes ctime): only new or changed files are
# read again.
HASHED = {}

def tree(root, seen):
    out = {}
    for cur, dirs, files in os.walk(root):
        dirs.sort()
        for d in dirs:
            p = os.path.join(cur, d)
            out[os.path.relpath(p, root)] = ("l:" + os.readlink(p)) if os.path.islink(p) else "d"
        for f in files:
            p = os.path.join(cur, f)
            st = os.lstat(p)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = "l:" + os.readlink(p)
                continue
            key = "%s|%d|%d|%d|%d" % (p, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            v = HASHED.get(key)
            if v is None:
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    h.update(fh.read())
                v = "f:" + h.hexdigest()
            seen[key] = v
            out[os.path.relpath(p, root)] = v
    return out

CACHE = re.compile(r'^INSERT INTO [`"]?(cache|cache_[a-z_]+|core_cache[a-z_]*|cache_tag)[`"]? ')
MAINT = re.compile(r"^INSERT INTO [`\"]?(variable[`\"]? VALUES ?\('maintenance_mode'|key_value[`\"]? "
                   r"VALUES ?\('state','system.maintenance_mode')")

# WordPress keeps its caches as rows: transients (and their timeouts) in the options table.
WP_TRANSIENT = re.compile(r"^INSERT INTO [`\"]?[a-z0-9_]*options[`\"]? VALUES ?\(\d+,'_(site_)?transient_")

def keep(line):
    return not CACHE.match(line) and not MAINT.match(line) and not WP_TRANSIENT.match(line)

def dump(site, leave_out=True):
    db = site["database"]
    if not DEFAULTS:
        if not os.path.isfile(db):
            return ["MISSING DATABASE " + db]
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            lines = [l for l in c.iterdump() if l not in ("BEGIN TRANSACTION;", "COMMIT;")]
        finally:
            c.close()
    else:
        r = subprocess.run(["mariadb-dump", "--defaults-file=" + DEFAULTS, "--compact",
                            "--skip-extended-insert", "--skip-dump-date", "--skip-comments",
                            "--order-by-primary", db], capture_output=True, text=True)
        if r.returncode:
            return ["DUMP FAILED " + r.stderr.strip()]
        lines, stmt = [], ""
        for l in r.stdout.split("\n"):  # one statement per entry (CREATE TABLE spans lines)
            stmt += ("\n" if stmt else "") + l
            if l.endswith(";"):
                lines.append(re.sub(r" AUTO_INCREMENT=\d+", "", stmt))
                stmt = ""
    return sorted(l for l in lines if l and (not leave_out or keep(l)))

def mysql(sql):
    r = subprocess.run(["mariadb", "--defaults-file=" + DEFAULTS, "-N", "-B", "-e", sql],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("mariadb: " + r.stderr.strip())
    return sorted(l for l in r.stdout.split("\n") if l)

def dbinv():
    dirs = [os.path.join(DATA, "databases")] + EXTRA_DB_DIRS
    files = sorted(os.path.join(d, f) for d in dirs if os.path.isdir(d) for f in os.listdir(d))
    if not DEFAULTS:
        return files
    # One server serves every generation of the test at once: each looks at its own names only
    # (every database and user drover makes for a site is named d_<domain>_<hex>).
    mine = re.compile(r"^(d_)?%s(site$|_)" % re.escape(os.environ.get("DB_TAG", "")))
    return files + ["db:" + x for x in mysql("SELECT schema_name FROM information_schema.schemata")
                    if mine.match(x)] + \
        ["user:" + x.replace("\t", "@") for x in mysql("SELECT user, host FROM mysql.user")
         if mine.match(x.split("\t")[0])]

def maint(site, cms, root):
    if cms == "wordpress":  # the site's flag (sites/<domain>/.maintenance)
        return os.path.exists(os.path.join(root, site["site_dir"], ".maintenance"))
    if cms.startswith("magento"):
        flag = "maintenance.flag" if os.path.isfile(os.path.join(root, "app/Mage.php")) \
            else "var/.maintenance.flag"
        return os.path.exists(os.path.join(root, flag))
    return any(MAINT.match(l) and re.search(r"'(i|b):1;'", l) for l in dump(site, False))

def snap(out):
    plats = {p["name"]: p for p in dj("platform", "list")}
    sites = {s["domain"]: {k: s[k] for k in ("platform", "site_dir", "db_server", "database",
                                              "status")} for s in dj("site", "list")}
    st = {"platforms": {n: {"path": p["path"], "cms": p["adapter"]} for n, p in plats.items()},
          "sites": sites,
          "tree": {}, "hashed": {},
          "db": {}, "maint": {},
          "dbinv": dbinv(),
          "tasks": [{k: t[k] for k in ("id", "kind", "site", "state")} for t in dj("tasks")],
          "backups": {str(b["id"]): {k: b[k] for k in ("path", "sha256", "task", "site")}
                      for b in dj("backups")},
          "backup_dir": sorted(os.path.relpath(os.path.join(c, f), DATA)
                               for c, _, fs in os.walk(os.path.join(DATA, "backups"))
                               for f in fs)}
    for n, p in plats.items():
        st["tree"][n] = tree(p["path"], st["hashed"])
    for d, s in sites.items():
        st["db"][d] = dump(s)
        p = plats[s["platform"]]
        st["maint"][d] = maint(s, p["adapter"], p["path"])
    with open(out, "w") as f:
        json.dump(st, f)
    return st

# ---- checks -----------------------------------------------------------------------------------

SETTINGS = ("settings.php", "app/etc/local.xml", "app/etc/env.php", "wp-config.php")
# CMSs whose sites live in a directory of their own (sites/<domain>), renamed with the site.
SITE_DIRS = ("drupal", "wordpress")

def owned(cms, gen_root, site_dir):
    """(owned prefixes, excluded prefixes) of a site, relative to its platform root."""
    if cms == "drupal":
        f = site_dir + "/files/"
        return [site_dir + "/"], [f + x for x in ("css/", "js/", "styles/", "php/", "tmp/")]
    if cms == "wordpress":
        return [site_dir + "/"], [site_dir + "/.maintenance"]
    if os.path.isfile(os.path.join(gen_root, "app/Mage.php")):
        return ["app/etc/local.xml", "media/", "var/"], \
            ["media/catalog/product/cache/", "media/css/", "media/css_secure/", "media/js/",
             "media/captcha/", "var/cache/", "var/full_page_cache/", "var/session/",
             "var/locks/", "var/tmp/"]
    return ["app/etc/env.php", "pub/media/", "var/"], \
        ["pub/media/catalog/product/cache/", "var/cache/", "var/page_cache/", "var/session/",
         "var/view_preprocessed/", "var/generation/", "var/di/", "var/tmp/",
         "var/.maintenance.flag"]

def under(rel, prefixes):
    return any(rel == p.rstrip("/") or rel.startswith(p if p.endswith("/") else p + "/")
               or rel == p for p in prefixes)

def split_owned(t, pre, exc):
    own = {r: v for r, v in t.items() if under(r, pre)}
    return own, {r: v for r, v in own.items() if not under(r, exc)}

def diff_dict(a, b, what, probs, limit=6):
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            probs.append("%s: %s: %s -> %s" % (what, k, str(a.get(k))[:60], str(b.get(k))[:60]))
            limit -= 1
            if limit == 0:
                probs.append("%s: (more)" % what)
                return

def diff_lines(a, b, what, probs, limit=6):
    sa, sb = set(a), set(b)
    for l in sorted(sa - sb)[:limit]:
        probs.append("%s: gone: %s" % (what, l[:160]))
    for l in sorted(sb - sa)[:limit]:
        probs.append("%s: new: %s" % (what, l[:160]))

def tasks_settled(A, probs, want):
    last = A["tasks"][0] if A["tasks"] else None
    if not last or last["state"] != want:
        probs.append("the last task is %s, not %s" % (last and last["state"], want))
    for t in A["tasks"]:
        if t["state"] not in ("done", "rolled_back"):
            probs.append("task %d is %s" % (t["id"], t["state"]))
    return last

def backups_ok(B, A, probs, last):
    for i in B["backups"]:
        if i not in A["backups"]:
            probs.append("backup %s left the catalog" % i)
    for i, b in A["backups"].items():
        if not os.path.isfile(b["path"]):
            probs.append("backup %s: its file is gone" % i)
        if i not in B["backups"]:
            if last and b["task"] != last["id"]:
                probs.append("backup %s was not made by task %d" % (i, last["id"]))
            rc, out, err = drover("backup", "verify", i)
            if rc:
                probs.append("backup verify %s: %s" % (i, err.strip()))
    for f in A["backup_dir"]:
        if "/.work-" in f or os.path.basename(f).startswith(".work-"):
            probs.append("left in the backup directory: " + f)

def no_staging(A, probs):
    for n, t in A["tree"].items():
        for r in t:
            if re.search(r"(^|/)\.drover-(staging|restore)-", r):
                probs.append("left in platform %s: %s" % (n, r))
                break

def maint_off(A, probs):
    for d, on in A["maint"].items():
        if on:
            probs.append("%s is in maintenance mode" % d)

def site_verifies(domain, probs, updated=False):
    rc, out, err = drover("site", "verify", domain)
    if rc:
        probs.append("site verify %s: exit %d: %s" % (domain, rc, (err or out).strip()[:200]))
    elif updated and "pending updates" in out:
        probs.append("site verify %s: %s" % (domain, [l.strip() for l in out.split("\n")
                                                      if "pending updates" in l][0]))

SCHEMA_ROWS = re.compile(
    r"^INSERT INTO [`\"]?(system|core_resource|setup_module|patch_list|registry|registry_file)"
    r"[`\"]? |^INSERT INTO [`\"]?key_value[`\"]? VALUES ?\('(system\.schema|post_update)'")
URL_ROWS = re.compile(r"^INSERT INTO [`\"]?core_config_data[`\"]? .*base_url")
# The cache clear after the updates gives CSS and JS a new query string, as
# drupal_flush_all_caches() does (7: variable css_js_query_string; 8+: state).
CLEAR_ROWS = re.compile(r"^INSERT INTO [`\"]?(variable[`\"]? VALUES ?\('css_js_query_string'|"
                        r"key_value[`\"]? VALUES ?\('state','system.css_js_query_string')")

def without_db(inv, db):
    """The inventory without database `db` and its user when drover made it (d_<site>_<id>,
    named like its database): a user drover did not create stays when its database goes."""
    return [x for x in inv if x not in (db, "db:" + db) and
            not (db.startswith("d_") and x.startswith("user:" + db + "@"))]

def moved_db(old, new, renamed):
    drop = lambda l: SCHEMA_ROWS.match(l) or CLEAR_ROWS.match(l) or \
        (renamed and URL_ROWS.match(l))
    return [l for l in old if not drop(l)], [l for l in new if not drop(l)]

def check(mode, B, A, o):
    probs = []
    dom, new = o.get("domain"), o.get("to_domain") or o.get("domain")
    no_staging(A, probs)
    maint_off(A, probs)
    if mode == "unchanged":  # nothing at all: registry, journal, catalog, files, databases
        for k in ("sites", "tasks", "backups", "backup_dir", "dbinv"):
            diff_dict({"x": B[k]}, {"x": A[k]}, k, probs)
        for n in B["tree"]:
            diff_dict(B["tree"][n], A["tree"].get(n, {}), "platform " + n, probs)
        for d in B["db"]:
            diff_lines(B["db"][d], A["db"].get(d, []), "database of " + d, probs)
        return probs
    if mode == "rolled_back":
        last = tasks_settled(A, probs, "rolled_back")
        backups_ok(B, A, probs, last)
        diff_dict(B["sites"], A["sites"], "registry", probs)
        for n in B["tree"]:
            diff_dict(B["tree"][n], A["tree"].get(n, {}), "platform " + n, probs)
        for d in B["db"]:
            diff_lines(B["db"][d], A["db"].get(d, []), "database of " + d, probs)
        diff_lines(B["dbinv"], A["dbinv"], "db server", probs)
        for d in A["sites"]:
            site_verifies(d, probs)
        return probs
    last = tasks_settled(A, probs, "done")
    if last and o.get("kind") and last["kind"] != o["kind"]:
        probs.append("the last task is a %s, not a %s" % (last["kind"], o["kind"]))
    # A restore makes no backup (after a delete, B may lack the one the delete made).
    backups_ok(B, A, probs, None if mode == "restored" else last)
    old = B["sites"][dom]
    src = old["platform"]
    root = B["platforms"][src]["path"]
    cms = B["platforms"][src]["cms"]
    pre, exc = owned(cms, root, old["site_dir"])
    own_all, own = split_owned(B["tree"][src], pre, exc)
    if not own:
        probs.append("the site owned no files before (test set-up?)")
    others = {d: s for d, s in B["sites"].items() if d != dom}
    if mode in ("moved", "cloned"):
        s = A["sites"].get(new)
        if not s:
            probs.append("%s is not registered" % new)
            return probs
        dst = o.get("platform") or s["platform"]
        if s["platform"] != dst:
            probs.append("%s is on %s, not %s" % (new, s["platform"], dst))
        if s["database"] == old["database"]:
            probs.append("%s still uses the old database" % new)
        if s["database"] not in A["dbinv"] and "db:" + s["database"] not in A["dbinv"]:
            probs.append("its database %s is not on the server" % s["database"])
        if mode == "moved":
            if dom != new and dom in A["sites"]:
                probs.append("%s is still registered" % dom)
            want_inv = without_db(B["dbinv"], old["database"])
        else:
            diff_dict(B["sites"][dom], A["sites"].get(dom, {}), "registry: source", probs)
            diff_lines(B["db"][dom], A["db"].get(dom, []), "database of " + dom, probs)
            want_inv = list(B["dbinv"])
        got_inv = without_db(A["dbinv"], s["database"])
        diff_lines(want_inv, got_inv, "db server (besides the new database)", probs)
        diff_dict({d: v for d, v in others.items()},
                  {d: v for d, v in A["sites"].items() if d not in (dom, new)},
                  "registry: other sites", probs)
        # Files: the source platform loses exactly what the site owned (not for a clone); the
        # target gains it (minus what backups leave out), byte-identical but the settings file.
        want = {n: dict(t) for n, t in B["tree"].items()}
        if mode == "moved":
            for r in own_all:
                want[src].pop(r, None)
        nd = s["site_dir"]
        for r, v in own.items():
            r2 = nd + r[len(old["site_dir"]):] if cms in SITE_DIRS else r
            want[dst][r2] = v
        if cms in SITE_DIRS:  # parents of the new site directory
            p = nd
            while "/" in p:
                p = p.rsplit("/", 1)[0]
                want[dst].setdefault(p, "d")
        for n in want:
            got = A["tree"].get(n, {})
            w = dict(want[n])
            for r in list(got):
                if n == dst and under(r, [nd + "/"] if cms in SITE_DIRS else pre) and \
                        r.endswith(SETTINGS) and r in w:
                    w[r] = got[r]  # new credentials
            diff_dict(w, got, "platform " + n, probs)
        a, b = moved_db(B["db"][dom], A["db"].get(new, []), dom != new or src != dst)
        diff_lines(a, b, "database %s -> %s" % (dom, new), probs)
        maint_off(A, probs)
        site_verifies(new, probs, updated=True)  # the move ran the pending updates
        if mode == "cloned":
            site_verifies(dom, probs)
    elif mode == "deleted":
        if dom in A["sites"]:
            probs.append("%s is still registered" % dom)
        want = {n: dict(t) for n, t in B["tree"].items()}
        for r in own_all:
            want[src].pop(r, None)
        for n in want:
            diff_dict(want[n], A["tree"].get(n, {}), "platform " + n, probs)
        want_inv = without_db(B["dbinv"], old["database"])
        diff_lines(want_inv, A["dbinv"], "db server", probs)
        diff_dict(others, A["sites"], "registry: other sites", probs)
        if not [b for i, b in A["backups"].items() if i not in B["backups"]]:
            probs.append("no backup was made first")
    elif mode == "restored":
        s = A["sites"].get(dom)
        if not s:
            probs.append("%s is not registered" % dom)
            return probs
        for k in ("platform", "site_dir", "db_server"):
            if s[k] != old[k]:
                probs.append("registry: %s %s -> %s" % (k, old[k], s[k]))
        for n in B["tree"]:
            w = dict(B["tree"][n])
            got = A["tree"].get(n, {})
            for r in own:
                if r.endswith(SETTINGS) and r in got:
                    w[r] = got[r]
            for r in set(own_all) - set(own):
                w.pop(r, None)  # left out of the backup: not restored
            diff_dict(w, {r: v for r, v in got.items()}, "platform " + n, probs)
        diff_lines(B["db"][dom], A["db"].get(dom, []), "database of " + dom, probs)
        want_inv = without_db(B["dbinv"], old["database"])
        got_inv = without_db(A["dbinv"], s["database"])
        diff_lines(want_inv, got_inv, "db server (besides the new database)", probs)
        diff_dict(others, {d: v for d, v in A["sites"].items() if d != dom},
                  "registry: other sites", probs)
        site_verifies(dom, probs)
    return probs

def main(argv):
    if argv[0] == "snap":
        snap(argv[1])
        return 0
    if argv[0] == "check":
        mode, before, after = argv[1:4]
        o = {}
        rest = argv[4:]
        for i in range(0, len(rest), 2):
            o[rest[i].lstrip("-").replace("-", "_")] = rest[i + 1]
        with open(before) as f:
            B = json.load(f)
        HASHED.update(B.get("hashed", {}))
        A = snap(after)
        try:
            probs = check(mode, B, A, o)
        except (KeyError, IndexError, TypeError) as e:
            probs = ["the state is not what %s expects: %s: %s" % (mode, type(e).__name__, e)]
        for p in probs:
            print("#   " + p.replace("\n", " "))
        return 1 if probs else 0
    if argv[0] == "get":  # get STATE.json PYTHON-EXPR over s
        with open(argv[1]) as f:
            s = json.load(f)
        print(eval(argv[2]))
        return 0
    raise SystemExit("usage: sitestate snap|check|get")

sys.exit(main(sys.argv[1:]))
PY
# -S: the standard library is all it needs; site-packages only cost start-up time.
printf '#!/bin/sh\nexec python3 -S "%s" "$@"\n' "$STATE.py" >"$STATE"
chmod +x "$STATE"

# ---- the fault walk (t_faults.sh, t_faults_mysql.sh) -------------------------------------------
#
#   fault_gen GEN RESULTS [mysql]   walk every failpoint of every pipeline on a site of GEN (d7,
#                                   d10, om, m1, m2); one line per case into RESULTS: "ok DESC"
#                                   or "not ok DESC" followed by "# why" lines
#   fault_replay RESULTS...          print them as TAP through ok/diag
# Each GEN works in its own directory and registry ($T/w-GEN), so two can run at once.

MOVE_STEPS="preflight maintenance backup create_db place_files import update verify switch cleanup"
CLONE_STEPS="preflight backup create_db place_files import update verify switch cleanup"
DELETE_STEPS="preflight maintenance backup forget cleanup"
RESTORE_STEPS="check create_db stage import swap switch cleanup"

fault_gen() { # GEN RESULTS [mysql]
	fg=$1 res=$2 fmy=${3:-}
	W="$T/w-$fg"
	mkdir -p "$W/p" "$W/db"
	: >"$res"
	sites_config "$W/drover.cfg" "$W/data" ${fmy:+"$fmy"}
	CFG="$W/drover.cfg" DATA_DIR="$W/data" SITE_DB_DIRS="$W/db" DB_TAG=$(echo "$fg" | tr -c 'a-z0-9\n' _)
	MYSQL_DEFAULTS_FILE=${fmy:+$MYSQL_DEFAULTS}
	export CFG DATA_DIR SITE_DB_DIRS MYSQL_DEFAULTS_FILE DB_TAG
	# The site starts with an update pending (acme_pending one schema behind its code), so that
	# the first move that completes runs a real one.
	case $fg in
	d7) cms=drupal7 mod=acme_pending:7.x-1.0:7102 pend=acme_pending:7101 ;;
	d10) cms=drupal10 mod=acme_pending:1.0.0:10102 pend=acme_pending:10101 ;;
	om) cms=openmage mod=Acme_Pending:1.0.2:1.0.2 pend=Acme_Pending:1.0.1 ;;
	m1) cms=magento1 mod=Acme_Pending:1.0.2:1.0.2 pend=Acme_Pending:1.0.1 ;;
	m2) cms=magento2 mod=Acme_Pending:1.0.0:2.0.2 pend=Acme_Pending:2.0.1 ;;
	esac
	dom="$fg.example.com" alt="$fg-renamed.example.com" cln="$fg-clone.example.com"
	"$GEN" platform --cms "$cms" --out "$W/p/a" --modules 3 --seed "$fg" --module "$mod" >/dev/null
	cp -a "$W/p/a" "$W/p/b"
	case $cms in
	drupal*)
		sdir="--site-dir $dom" multi=1 ;;
	*)
		sdir="" multi=0
		cp -a "$W/p/a" "$W/p/c" ;;
	esac
	dbname=${DB_TAG}site
	if [ -n "$fmy" ]; then
		mariadb_sql "CREATE USER $dbname@localhost IDENTIFIED BY 'pw-$dbname';
GRANT ALL ON $dbname.* TO $dbname@localhost;"
		dbarg="--db mysql:$dbname --db-user $dbname --db-password pw-$dbname --mysql-defaults $MYSQL_DEFAULTS"
	elif [ $multi = 1 ]; then
		dbarg="--db sqlite:$W/db/$dbname.sqlite"
	else
		mkdir -p "$W/data/databases"
		dbarg="--db sqlite:$W/data/databases/$dbname.sqlite"
	fi
	# shellcheck disable=SC2086
	"$GEN" site --platform "$W/p/a" --cms $cms --domain "$dom" $sdir $dbarg --rows 2 \
		--schema $pend >/dev/null
	site_content "$W/p/a" "$cms" "sites/$dom"
	fd() { "$DROVER" --config "$CFG" "$@"; }
	plats="a b"
	[ $multi = 1 ] || plats="a b c"
	for p in $plats; do
		fd platform add "$fg$p" "$W/p/$p" >/dev/null 2>&1
	done
	fd site import "$dom" --platform "${fg}a" >"$W/out" 2>&1 || {
		echo "not ok $fg: set-up: site import failed" >>"$res"
		sed 's/^/# /' "$W/out" >>"$res"
		return
	}
	here="${fg}a" there="${fg}b"
	"$STATE" snap "$W/state.json"

	fault_pipeline migrate "$MOVE_STEPS"
	[ $multi = 1 ] && fault_pipeline rename "$MOVE_STEPS"
	fault_pipeline clone "$CLONE_STEPS"
	fault_pipeline delete "$DELETE_STEPS"
	fd backup "$dom" >/dev/null 2>&1
	"$STATE" snap "$W/state.json"
	bid=$("$STATE" get "$W/state.json" 'max(int(i) for i in s["backups"])')
	fault_pipeline restore "$RESTORE_STEPS"
}

fault_pipeline() { # KIND STEPS
	for step in $2; do
		for when in before after; do
			for how in error kill; do
				fault_case "$1" "$step" "$when" "$how"
			done
		done
	done
}

fault_case() { # KIND STEP WHEN HOW
	fk=$1 fp="$1.$2.$3=$4"
	case $fk in
	migrate) set -- migrate "$dom" --to "$there" ;;
	rename) set -- rename "$dom" "$alt" ;;
	clone) if [ "$multi" = 1 ]; then set -- clone "$dom" "$cln"; else
		set -- clone "$dom" "$cln" --platform "${fg}c" --force; fi ;;
	delete) set -- delete "$dom" --yes ;;
	restore) set -- restore "$dom" "$bid" ;;
	esac
	why="$W/why"
	: >"$why"
	DROVER_FAILPOINT=$fp "$DROVER" --config "$CFG" "$@" >"$W/out" 2>"$W/err"
	frc=$?
	case $fp in
	*=kill)
		[ $frc -eq 137 ] || echo "# drover $*: exit $frc, not killed ($(head -1 "$W/err"))" >>"$why"
		fd recover >"$W/rout" 2>&1 || echo "# recover failed: $(cat "$W/rout")" >>"$why"
		grep -q '^1 interrupted task settled' "$W/rout" ||
			echo "# recover: $(cat "$W/rout")" >>"$why" ;;
	*.cleanup.*)  # past the point of no return: the finish completes the task
		[ $frc -eq 0 ] || echo "# drover $*: exit $frc, not 0 ($(head -1 "$W/err"))" >>"$why" ;;
	*)
		[ $frc -eq 1 ] || echo "# drover $*: exit $frc, not 1 ($(head -1 "$W/err"))" >>"$why" ;;
	esac
	desc="$fg $fp"
	case $fp in
	*.cleanup.*)
		case $fk in
		migrate) mode=moved o="--platform $there" ;;
		rename) mode=moved o="--to-domain $alt" ;;
		clone) mode=cloned o="--to-domain $cln" ;;
		delete) mode=deleted o="" ;;
		restore) mode=restored o="" ;;
		esac
		desc="$desc: completed past the point of no return"
		# shellcheck disable=SC2086
		"$STATE" check $mode "$W/state.json" "$W/state.new" --domain "$dom" --kind "$fk" $o \
			>>"$why"
		cp "$W/state.json" "$W/state.before"
		mv "$W/state.new" "$W/state.json"
		case $fk in
		migrate) x=$here here=$there there=$x ;;
		rename) x=$dom dom=$alt alt=$x ;;
		clone)
			fd delete "$cln" --yes >"$W/rout" 2>&1 || echo "# reset: delete $cln: $(cat "$W/rout")" >>"$why"
			"$STATE" check deleted "$W/state.json" "$W/state.new" --domain "$cln" --kind delete >>"$why"
			mv "$W/state.new" "$W/state.json" ;;
		delete)
			did=$("$STATE" get "$W/state.json" 'max(int(i) for i in s["backups"])')
			fd restore "$dom" "$did" >"$W/rout" 2>&1 || echo "# reset: restore $dom: $(cat "$W/rout")" >>"$why"
			"$STATE" check restored "$W/state.before" "$W/state.new" --domain "$dom" --kind restore >>"$why"
			mv "$W/state.new" "$W/state.json" ;;
		esac
		;;
	*)
		desc="$desc: rolled back, site intact"
		"$STATE" check rolled_back "$W/state.json" "$W/state.new" >>"$why"
		mv "$W/state.new" "$W/state.json"
		;;
	esac
	if [ -s "$why" ]; then
		echo "not ok $desc" >>"$res"
		cat "$why" >>"$res"
	else
		echo "ok $desc" >>"$res"
	fi
}

fault_replay() { # RESULTS...: each $T/res-GEN
	for f in "$@"; do
		n=0
		while IFS= read -r line; do
			case $line in
			"ok "*)
				ok 0 "${line#ok }"
				n=$((n + 1)) ;;
			"not ok "*)
				ok 1 "${line#not ok }"
				n=$((n + 1)) ;;
			*) echo "$line" ;;
			esac
		done <"$f"
		# A walk that died on the way must not pass for a shorter one.
		g=${f##*/res-}
		want=$(($(fault_cases "$MOVE_STEPS") + $(fault_cases "$CLONE_STEPS") +
			$(fault_cases "$DELETE_STEPS") + $(fault_cases "$RESTORE_STEPS")))
		case $g in d7 | d10) want=$((want + $(fault_cases "$MOVE_STEPS"))) ;; esac
		[ "$n" -eq "$want" ]
		ok $? "$g: every failpoint was walked ($n of $want)"
	done
}

fault_cases() { # STEPS: how many cases they make (before/after, error/kill)
	# shellcheck disable=SC2086
	set -- $1
	echo $(($# * 4))
}
