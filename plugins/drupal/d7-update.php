<?php

/**
 * @file
 * drover's Drupal 7 update runner: runs a site's pending database updates from the command
 * line when no drush is installed.
 *
 * Usage: php d7-update.php ROOT SITE_DIR DOMAIN
 *   ROOT      the Drupal root (the directory holding index.php)
 *   SITE_DIR  the site directory relative to ROOT, such as sites/example.com
 *   DOMAIN    the site's host name, for $_SERVER['HTTP_HOST'] (links built by updates)
 * Exit status: 0 all pending updates ran (or there were none), 1 an update failed, was
 * skipped or the requirements are not met (the reason on standard error), 2 bad usage.
 *
 * It does what update.php does, in one process and without the batch pages, using Drupal's
 * own functions (includes/update.inc, update.php of Drupal 7.x):
 *   1. update_prepare_d7_bootstrap(), drupal_bootstrap(DRUPAL_BOOTSTRAP_LANGUAGE),
 *      update_fix_d7_requirements(), drupal_bootstrap(DRUPAL_BOOTSTRAP_FULL),
 *      drupal_maintenance_theme(), with MAINTENANCE_MODE 'update' defined as update.php
 *      defines it;
 *   2. drupal_load_updates(), update_fix_compatibility();
 *   3. the requirements update_check_requirements() checks: hook_requirements('update') and
 *      update_extra_requirements(); an error stops here;
 *   4. update_get_update_list() for the starting update of each module;
 *   5. what update_batch() does: maintenance mode on for the run,
 *      update_resolve_dependencies(), the installed schema set to one below each module's first
 *      update, then update_do_one() for each allowed update, called again while it reports
 *      $context['finished'] < 1, as the batch API does for multi-pass updates;
 *   6. what update_finished() does: variable_del('update_d6'), drupal_flush_all_caches(),
 *      maintenance mode back as it was.
 * The site directory is the one drover registered: conf_path()'s static is set to it before
 * the bootstrap, so sites/sites.php and the host name cannot select another one.
 */

if (PHP_SAPI !== 'cli') {
  exit(2);
}
if ($argc != 4) {
  fwrite(STDERR, "usage: php d7-update.php ROOT SITE_DIR DOMAIN\n");
  exit(2);
}
list(, $drover_root, $drover_site_dir, $drover_domain) = $argv;
$drover_root = rtrim($drover_root, '/');
if (!is_file($drover_root . '/includes/bootstrap.inc') || !is_file($drover_root . '/' . $drover_site_dir . '/settings.php')) {
  fwrite(STDERR, "$drover_root is not a Drupal 7 root with $drover_site_dir/settings.php\n");
  exit(2);
}

chdir($drover_root);
define('DRUPAL_ROOT', $drover_root);
define('MAINTENANCE_MODE', 'update');
$_SERVER['HTTP_HOST'] = $drover_domain;
$_SERVER['SCRIPT_NAME'] = '/update.php';
$_SERVER['SCRIPT_FILENAME'] = DRUPAL_ROOT . '/update.php';
$_SERVER['PHP_SELF'] = '/update.php';
$_SERVER['REQUEST_URI'] = '/update.php';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_SOFTWARE'] = NULL;
$_SERVER['HTTP_USER_AGENT'] = 'drover';

require_once DRUPAL_ROOT . '/includes/bootstrap.inc';
$drover_conf_path = &drupal_static('conf_path', '');
$drover_conf_path = $drover_site_dir;

/**
 * Collects requirements for the update run, as update.php's function of this name does.
 *
 * update.php, not includes/update.inc, defines it, but update.inc calls it (from
 * update_prepare_d7_bootstrap()) and the requirements check below reads it.
 */
function update_extra_requirements($requirements = NULL) {
  static $extra = array();
  if (isset($requirements)) {
    $extra += $requirements;
  }
  return $extra;
}

require_once DRUPAL_ROOT . '/includes/update.inc';
require_once DRUPAL_ROOT . '/includes/common.inc';
require_once DRUPAL_ROOT . '/includes/file.inc';
require_once DRUPAL_ROOT . '/includes/entity.inc';
require_once DRUPAL_ROOT . '/includes/unicode.inc';
update_prepare_d7_bootstrap();
drupal_bootstrap(DRUPAL_BOOTSTRAP_LANGUAGE);
update_fix_d7_requirements();
drupal_bootstrap(DRUPAL_BOOTSTRAP_FULL);
drupal_maintenance_theme();
require_once DRUPAL_ROOT . '/includes/install.inc';

/**
 * Prints Drupal's queued messages: errors and warnings to standard error.
 */
function drover_print_messages() {
  foreach (drupal_get_messages() as $type => $messages) {
    foreach ($messages as $message) {
      $line = $type . ': ' . trim(strip_tags($message)) . "\n";
      fwrite($type == 'status' ? STDOUT : STDERR, $line);
    }
  }
}

drupal_load_updates();
update_fix_compatibility();

$requirements = module_invoke_all('requirements', 'update');
$requirements += update_extra_requirements();
if (drupal_requirements_severity($requirements) == REQUIREMENT_ERROR) {
  foreach ($requirements as $requirement) {
    if (isset($requirement['severity']) && $requirement['severity'] == REQUIREMENT_ERROR) {
      $text = (isset($requirement['title']) ? $requirement['title'] : '?') . ': ' . (isset($requirement['value']) ? $requirement['value'] : '');
      if (!empty($requirement['description'])) {
        $text .= ' (' . $requirement['description'] . ')';
      }
      fwrite(STDERR, 'requirement not met: ' . trim(strip_tags($text)) . "\n");
    }
  }
  exit(1);
}

$drover_failed = FALSE;
$drover_done = array();
$drover_start = array();
foreach (update_get_update_list() as $module => $update) {
  if (!isset($update['start'])) {
    if (isset($update['warning'])) {
      fwrite(STDERR, trim(strip_tags($update['warning'])) . "\n");
      $drover_failed = TRUE;
    }
    continue;
  }
  $drover_start[$module] = $update['start'];
}

if (!$drover_start) {
  // update.php flushes the caches when there is nothing to do, too.
  drupal_flush_all_caches();
  drover_print_messages();
  print "No pending updates.\n";
  exit($drover_failed ? 1 : 0);
}

// update_batch(): the site is offline while its schema changes.
$drover_maintenance = variable_get('maintenance_mode', FALSE);
if (!$drover_maintenance) {
  variable_set('maintenance_mode', TRUE);
}

$drover_updates = update_resolve_dependencies($drover_start);
$drover_dependency_map = array();
foreach ($drover_updates as $function => $update) {
  $drover_dependency_map[$function] = !empty($update['reverse_paths']) ? array_keys($update['reverse_paths']) : array();
}

$drover_context = array(
  'sandbox' => array(),
  'results' => array(),
  'finished' => 1,
  'message' => '',
);
foreach ($drover_updates as $function => $update) {
  if (!$update['allowed']) {
    $missing = empty($update['missing_dependencies']) ? 'an error in its code' : 'missing ' . implode(', ', $update['missing_dependencies']);
    fwrite(STDERR, "$function skipped: $missing\n");
    $drover_failed = TRUE;
    continue;
  }
  $module = $update['module'];
  $number = $update['number'];
  if (isset($drover_start[$module])) {
    drupal_set_installed_schema_version($module, $number - 1);
    unset($drover_start[$module]);
  }
  // The batch API calls an operation until it is finished, with a fresh sandbox for each.
  $drover_context['sandbox'] = array();
  do {
    $drover_context['finished'] = 1;
    update_do_one($module, $number, $drover_dependency_map[$function], $drover_context);
    $aborted = !empty($drover_context['results'][$module][$number]['#abort']);
  } while (!$aborted && $drover_context['finished'] < 1);
  if ($aborted) {
    $abort = $drover_context['results'][$module][$number]['#abort'];
    fwrite(STDERR, "$function failed: " . trim(strip_tags(isset($abort['query']) ? $abort['query'] : 'unknown error')) . "\n");
    $drover_failed = TRUE;
  }
  elseif (!isset($drover_context['results'][$module][$number])) {
    fwrite(STDERR, "$function not run: an update it depends on failed\n");
    $drover_failed = TRUE;
  }
  else {
    $drover_done[] = $function;
  }
}

// update_finished().
variable_del('update_d6');
drupal_flush_all_caches();
if (!$drover_maintenance) {
  variable_set('maintenance_mode', FALSE);
}
drover_print_messages();
// Last, so that a failure is the first line of the output (drover reports that one line).
foreach ($drover_done as $function) {
  print "$function done\n";
}
exit($drover_failed ? 1 : 0);
