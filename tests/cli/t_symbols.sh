#!/bin/sh
# t_symbols.sh: each shipped adapter exports exactly one dynamic symbol, <name>_LTX_drover_adapter.
. "$top_srcdir/tests/cli/lib.sh"

for name in drupal magento; do
	so="$SHIPPED_ADAPTERS/$name.so"
	[ -f "$so" ]
	ok $? "$name.so is built"
	nm -D --defined-only "$so" | awk '{print $NF}' >"$T/syms"
	lines "$T/syms" 1 "$name.so exports exactly one symbol"
	has "$T/syms" "${name}_LTX_drover_adapter" "$name.so exports ${name}_LTX_drover_adapter"
done

done_testing
