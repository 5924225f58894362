#!/bin/sh
# t_faults_mysql.sh: t_faults.sh's walk on sites whose databases live on MariaDB (a private
# server this test starts): every failpoint of migrate, rename, clone, delete and restore, each
# step before and after, as an error and as a kill, on a Drupal 7 site and a Magento 1 site
# (the two generations that bound the time; the SQLite walk covers Drupal 10, OpenMage and
# Magento 2). Besides what t_faults.sh checks, no database and no user (mysql.user) may be left
# behind (and the site's original user, which drover did not create, is kept when its database
# goes), and dumps are compared with mariadb-dump (sorted; cache rows, the maintenance switch
# and AUTO_INCREMENT counters left out: see lib_sites.sh). Each generation looks only at the
# databases and users named after its own sites, so the two walk at once on one server.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/lib/mariadb.sh"
trap 'mariadb_stop; rm -rf "$T"' EXIT
mariadb_start "$T/mysql"
. "$top_srcdir/tests/cli/lib_sites.sh"

# shellcheck disable=SC2086 # a list of generations
set -- ${DROVER_FAULTS_GENS:-d7 m1}
results=""
while [ $# -gt 0 ]; do
	fault_gen "$1" "$T/res-$1" mysql &
	p1=$!
	results="$results $T/res-$1"
	if [ $# -gt 1 ]; then
		fault_gen "$2" "$T/res-$2" mysql &
		p2=$!
		results="$results $T/res-$2"
		wait $p2
		shift
	fi
	wait $p1
	shift
done
# shellcheck disable=SC2086
fault_replay $results
done_testing
