<?php
/**
 * m1-update.php: apply the pending database updates of a Magento 1 / OpenMage site.
 *
 * Part of drover (plugins/magento); installed with the magento adapter and run by its
 * update_run op as `php m1-update.php <platform root>` in that directory. It is not a copy of
 * any Magento code: it calls Magento's own setup classes, in the order Magento needs:
 *
 *   1. Boot Mage with every cache banned (the 'global_ban_use_cache' option), so that nothing
 *      this process reads comes from a cache written by the old code.
 *   2. Remove the cached configuration (the CONFIG tag) and build the configuration again from
 *      the files (Mage::getConfig()->reinit()): Magento looks for updates only while its
 *      configuration is built from the module files, which is why an update never runs while
 *      the config cache is warm.
 *   3. Apply every setup resource's schema updates, then their data updates, in this one
 *      process: Mage_Core_Model_Resource_Setup::applyAllDataUpdates() does nothing unless
 *      applyAllUpdates() ran before it in the same process. Magento before 1.4 has no data
 *      updates.
 *   4. Remove the cached configuration again, so that the next request builds it from the
 *      updated database.
 *
 * The stock 1.9 compiler is not used: this script never includes includes/config.php, so
 * COMPILER_INCLUDE_PATH stays undefined and classes load from app/code (drover also comments
 * the define out for the duration, see update.c). Output: one line saying what was done; on
 * failure, the reason first (drover quotes the first line), then whatever Magento printed.
 * Exit status 0 on success, 1 on failure, 2 on bad usage.
 *
 * PHP 5.3 syntax on purpose: the oldest Magento 1 platforms still run on PHP 5.
 */

if (PHP_SAPI !== 'cli') {
    exit(2);
}

error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
ini_set('display_errors', '1');
ini_set('log_errors', '0');

$droverFailed = false;

function drover_fail($message)
{
    global $droverFailed;
    $droverFailed = true;
    $printed = '';
    while (ob_get_level() > 0) {
        $printed = ob_get_clean() . $printed;
    }
    fwrite(STDERR, 'm1-update: ' . str_replace(array("\r", "\n"), ' ', $message) . "\n");
    if ($printed !== '') {
        fwrite(STDERR, $printed);
    }
    exit(1);
}

/* A fatal error ends the script without an exception: still say what happened, first. */
function drover_shutdown()
{
    global $droverFailed;
    $e = error_get_last();
    if (!$droverFailed && $e !== null
        && in_array($e['type'], array(E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR), true)) {
        drover_fail('PHP fatal error: ' . $e['message'] . ' in ' . $e['file'] . ':' . $e['line']);
    }
}

if (!isset($argv[1]) || $argv[1] === '' || isset($argv[2])) {
    fwrite(STDERR, "usage: php m1-update.php <Magento 1 platform root>\n");
    exit(2);
}
$root = $argv[1];

ob_start();
register_shutdown_function('drover_shutdown');

if (!is_file($root . '/app/Mage.php')) {
    drover_fail($root . ' is not a Magento 1 platform: app/Mage.php is missing');
}
if (!chdir($root)) {
    drover_fail('cannot change into ' . $root);
}
if (defined('COMPILER_INCLUDE_PATH')) {
    drover_fail('COMPILER_INCLUDE_PATH is defined: the compiler must be off during updates');
}
/* 1.9.2 and later, and OpenMage, set up libxml and the autoloader here. */
if (is_file('app/bootstrap.php')) {
    require 'app/bootstrap.php';
}
require_once 'app/Mage.php';

try {
    if (!Mage::isInstalled()) {
        drover_fail('the site is not installed: app/etc/local.xml has no install date');
    }
    Mage::app('admin', 'store', array('global_ban_use_cache' => true));
    /* Setup scripts that delete catalog entities need the admin's secure area. */
    Mage::register('isSecureArea', true, true);

    Mage::app()->cleanCache(array(Mage_Core_Model_Config::CACHE_TAG));
    Mage::getConfig()->reinit();

    Mage_Core_Model_Resource_Setup::applyAllUpdates();
    if (method_exists('Mage_Core_Model_Resource_Setup', 'applyAllDataUpdates')) {
        Mage_Core_Model_Resource_Setup::applyAllDataUpdates();
    }

    Mage::app()->cleanCache(array(Mage_Core_Model_Config::CACHE_TAG));
} catch (Exception $e) {
    drover_fail(get_class($e) . ': ' . $e->getMessage());
} catch (Throwable $e) {
    drover_fail(get_class($e) . ': ' . $e->getMessage());
}

$printed = ob_get_clean();
echo "m1-update: schema and data updates applied\n";
echo $printed;
exit(0);
