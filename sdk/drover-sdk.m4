# drover-sdk.m4: find the drover SDK from the configure.ac of a drover adapter.  -*- Autoconf -*-
# serial 1
#
# Installed by drover into $(datadir)/aclocal, and into the skeleton adapter's m4/. With drover
# in another prefix than aclocal's own, run `ACLOCAL_PATH=PREFIX/share/aclocal autoreconf -fi`
# (or `autoreconf -fi -I m4 -I PREFIX/share/aclocal`: your own m4 first, or aclocal --install
# writes into drover's directory); with `ACLOCAL_AMFLAGS = -I m4 --install` aclocal copies this
# file into your m4/ (or updates the copy there when this serial is higher).
#
# DROVER_SDK([MIN-ABI-MINOR])
#
#   Finds drover-sdk.pc with pkg-config and checks that the SDK speaks adapter ABI 1.x with a
#   minor of at least MIN-ABI-MINOR (default 0), and that its headers compile. Then:
#
#     DROVER_CFLAGS      (AC_SUBST) the compiler flags for <drover/drover.h>
#     drover_plugindir   (AC_SUBST) where `make install` puts the adapter: drover's adapter
#                        directory from the .pc file, or --with-drover-plugindir=DIR
#     DROVER             (AC_SUBST, precious) the drover command of that SDK, for `make check`
#     DROVER_ABI_MAJOR, DROVER_ABI_MINOR
#                        (AC_SUBST) the SDK's ABI version, which is also the ABI version an
#                        adapter built against it declares: drover loads it only if its own ABI
#                        has the same major and a minor at least as high
#
#   Options it adds to configure:
#     --with-drover-sdk=PREFIX      the SDK installed or staged under PREFIX (make install
#                                   DESTDIR=/stage gives PREFIX=/stage/usr/local): reads
#                                   PREFIX/lib/pkgconfig/drover-sdk.pc with prefix=PREFIX
#     --with-drover-plugindir=DIR   install the adapter into DIR
#
#   Any failure stops configure with one line saying what to install or set.

AC_DEFUN([DROVER_SDK],
[m4_ifndef([PKG_PROG_PKG_CONFIG],
  [m4_fatal([DROVER_SDK needs pkg.m4, which comes with pkg-config: install pkg-config (Debian: apt-get install pkg-config) and run autoreconf again])])dnl
m4_if(m4_bregexp(m4_default([$1], [0]), [^[0-9]+$]), [-1],
  [m4_fatal([DROVER_SDK: the argument is the lowest ABI minor the adapter needs, a number such as 0; got '$1'])])dnl
AC_REQUIRE([PKG_PROG_PKG_CONFIG])dnl
AC_ARG_VAR([DROVER], [the drover command that 'make check' runs @<:@the one of the SDK found@:>@])dnl
AC_ARG_WITH([drover-sdk],
  [AS_HELP_STRING([--with-drover-sdk=PREFIX],
    [use the drover SDK installed or staged under PREFIX @<:@found by pkg-config@:>@])],
  [], [with_drover_sdk=])
AC_ARG_WITH([drover-plugindir],
  [AS_HELP_STRING([--with-drover-plugindir=DIR],
    [install the adapter into DIR @<:@drover's adapter directory, from drover-sdk.pc@:>@])],
  [], [with_drover_plugindir=])

AS_IF([test -z "$PKG_CONFIG"],
  [AC_MSG_ERROR([pkg-config was not found, and the drover SDK is found through it: install pkg-config (Debian: apt-get install pkg-config), or set PKG_CONFIG to it])])

dnl --with-drover-sdk: look in PREFIX first, and read the .pc file as if installed there. Both
dnl variables are restored at the end, so that later pkg-config checks are not affected.
drover_sdk_save_PKG_CONFIG=$PKG_CONFIG
AS_IF([test "${PKG_CONFIG_PATH+set}" = set],
  [drover_sdk_had_path=yes], [drover_sdk_had_path=no])
drover_sdk_save_PKG_CONFIG_PATH=$PKG_CONFIG_PATH
AS_CASE([$with_drover_sdk],
  [""], [],
  [yes|no],
    [AC_MSG_ERROR([--with-drover-sdk needs a directory: --with-drover-sdk=PREFIX, the prefix drover was installed or staged under])],
  [*" "*],
    [AC_MSG_ERROR([--with-drover-sdk=$with_drover_sdk: a prefix with blanks cannot be passed to pkg-config; use a path without them])],
  [/*],
    [PKG_CONFIG_PATH="$with_drover_sdk/lib/pkgconfig:$with_drover_sdk/lib64/pkgconfig:$with_drover_sdk/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
     export PKG_CONFIG_PATH
     PKG_CONFIG="$PKG_CONFIG --define-variable=prefix=$with_drover_sdk"],
  [AC_MSG_ERROR([--with-drover-sdk=$with_drover_sdk: give an absolute directory])])

PKG_CHECK_MODULES([DROVER], [drover-sdk], [],
  [AC_MSG_ERROR([the drover SDK (drover-sdk.pc) was not found by pkg-config: install drover from source (its 'make install' puts drover-sdk.pc into PREFIX/lib/pkgconfig), then run configure with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig or --with-drover-sdk=PREFIX; pkg-config said: $DROVER_PKG_ERRORS])])

AC_MSG_CHECKING([the drover adapter ABI of the SDK])
DROVER_ABI_MAJOR=`$PKG_CONFIG --variable=abi_major drover-sdk 2>/dev/null`
DROVER_ABI_MINOR=`$PKG_CONFIG --variable=abi_minor drover-sdk 2>/dev/null`
drover_sdk_abi_ok=yes
AS_CASE([$DROVER_ABI_MAJOR], [""|*@<:@!0-9@:>@*], [drover_sdk_abi_ok=no])
AS_CASE([$DROVER_ABI_MINOR], [""|*@<:@!0-9@:>@*], [drover_sdk_abi_ok=no])
AS_IF([test "$drover_sdk_abi_ok" = yes],
  [AC_MSG_RESULT([$DROVER_ABI_MAJOR.$DROVER_ABI_MINOR])],
  [AC_MSG_RESULT([unknown])
   AC_MSG_ERROR([drover-sdk.pc names no ABI version (abi_major, abi_minor): it is damaged or from another package; reinstall drover])])
AS_IF([test "$DROVER_ABI_MAJOR" -ne 1],
  [AC_MSG_ERROR([the drover SDK speaks adapter ABI $DROVER_ABI_MAJOR.$DROVER_ABI_MINOR, and this adapter is written for ABI 1.x: build it against a drover whose SDK speaks ABI 1, or port it to ABI $DROVER_ABI_MAJOR (see the changelog in drover/adapter.h)])])
AS_IF([test "$DROVER_ABI_MINOR" -lt m4_default([$1], [0])],
  [AC_MSG_ERROR([this adapter needs adapter ABI 1.]m4_default([$1], [0])[ or later, and the drover SDK found speaks $DROVER_ABI_MAJOR.$DROVER_ABI_MINOR: upgrade drover, or point PKG_CONFIG_PATH or --with-drover-sdk at a newer one])])

dnl The headers must be where the .pc file says, and of the same ABI.
drover_sdk_save_CFLAGS=$CFLAGS
CFLAGS="$CFLAGS $DROVER_CFLAGS"
AC_MSG_CHECKING([for <drover/drover.h>])
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <drover/drover.h>]],
    [[static const struct drover_ops ops = {DROVER_OPS_INIT};
      return ops.probe != 0;]])],
  [AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no])
   CFLAGS=$drover_sdk_save_CFLAGS
   AC_MSG_ERROR([<drover/drover.h> does not compile with DROVER_CFLAGS='$DROVER_CFLAGS' (see config.log): the SDK's headers are missing, or drover-sdk.pc points where they are not installed (a staged install? use --with-drover-sdk=PREFIX)])])
AC_MSG_CHECKING([whether <drover/drover.h> is ABI $DROVER_ABI_MAJOR.$DROVER_ABI_MINOR])
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <drover/drover.h>
#if DROVER_ABI_MAJOR != $DROVER_ABI_MAJOR || DROVER_ABI_MINOR != $DROVER_ABI_MINOR
#error the headers and drover-sdk.pc disagree
#endif]], [])],
  [AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no])
   CFLAGS=$drover_sdk_save_CFLAGS
   AC_MSG_ERROR([the headers found with DROVER_CFLAGS='$DROVER_CFLAGS' are not the ABI $DROVER_ABI_MAJOR.$DROVER_ABI_MINOR that drover-sdk.pc names: two drover installs are mixed; reinstall drover, or set PKG_CONFIG_PATH to one of them])])
CFLAGS=$drover_sdk_save_CFLAGS

AC_MSG_CHECKING([where to install the adapter])
AS_CASE([$with_drover_plugindir],
  [yes|no], [AC_MSG_ERROR([--with-drover-plugindir needs a directory: --with-drover-plugindir=DIR])],
  [""], [drover_plugindir=`$PKG_CONFIG --variable=plugindir drover-sdk 2>/dev/null`],
  [drover_plugindir=$with_drover_plugindir])
AS_IF([test -z "$drover_plugindir"],
  [AC_MSG_RESULT([unknown])
   AC_MSG_ERROR([drover-sdk.pc names no plugindir: reinstall drover, or give --with-drover-plugindir=DIR])])
AC_MSG_RESULT([$drover_plugindir])

AC_MSG_CHECKING([for the drover command])
AS_IF([test -z "$DROVER"], [DROVER=`$PKG_CONFIG --variable=drover drover-sdk 2>/dev/null`])
AS_IF([test -n "$DROVER" && test -x "$DROVER"],
  [AC_MSG_RESULT([$DROVER])],
  [AC_MSG_RESULT([not found${DROVER:+ at $DROVER}])
   AC_MSG_WARN(['make check' needs the drover command: set DROVER=/path/to/drover])])

PKG_CONFIG=$drover_sdk_save_PKG_CONFIG
AS_IF([test "$drover_sdk_had_path" = yes],
  [PKG_CONFIG_PATH=$drover_sdk_save_PKG_CONFIG_PATH],
  [AS_UNSET([PKG_CONFIG_PATH])])
AC_SUBST([DROVER_CFLAGS])
AC_SUBST([DROVER_ABI_MAJOR])
AC_SUBST([DROVER_ABI_MINOR])
AC_SUBST([drover_plugindir])
AC_SUBST([DROVER])
])
