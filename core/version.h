/* version.h: comparing release versions and schema versions the way the CMSs number them. */
#ifndef DROVER_VERSION_H
#define DROVER_VERSION_H

/*
 * <0, 0 or >0 as a is older, equal or newer than b. Numbers compare as numbers ("1.6.0.10" >
 * "1.6.0.9", "7010" > "7009"), pre-release words sort before the release ("10.3.0-rc1" <
 * "10.3.0", "11.1-dev" < "11.1.0"), patch words after it ("2.4.7-p3" > "2.4.7"), and "7.x-"
 * prefixes of Drupal 7 contrib versions compare like any other part. "" is older than anything.
 */
int vers_cmp(const char *a, const char *b);

#endif
