#!/bin/sh
# t_faults.sh: every failpoint of every pipeline (migrate, rename, clone, delete, restore; each
# step, before and after it, as an error and as a kill) on SQLite sites of each CMS generation:
# Drupal 7, Drupal 10, OpenMage (Magento 1) and Magento 2. After each fault (after `drover
# recover` for a kill) the site must be served from where it was, byte for byte (every file of
# every platform; a logical dump of every site database, without the cache and maintenance rows
# listed in lib_sites.sh), online, with no database, directory or staging file left behind, the
# backups the task made still in the catalog and verifying, and the journal settled (rolled
# back, nothing running). A fault at `cleanup` comes after the point of no return (`switch`;
# `forget` for delete): the task completes instead, and the new state is checked whole; then
# drover itself puts the site back for the next case (a deleted site is restored from the
# backup its delete made, a clone is deleted). A completed migrate is not put back: the next
# one moves the site back (the two platforms of a generation carry the same code).
#
# Not walked: rename of a Magento site, which drover refuses (one site per Magento platform;
# t_migrate.sh checks the refusal).
# DROVER_FAULTS_GENS (default "d7 om d10 m2") picks generations; they run two at a time (this
# is a two-core machine), each with its own registry, and their TAP lines come out in order.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib_sites.sh"

# shellcheck disable=SC2086 # a list of generations
set -- ${DROVER_FAULTS_GENS:-d7 om d10 m2}
results=""
while [ $# -gt 0 ]; do
	fault_gen "$1" "$T/res-$1" &
	p1=$!
	results="$results $T/res-$1"
	if [ $# -gt 1 ]; then
		fault_gen "$2" "$T/res-$2" &
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
