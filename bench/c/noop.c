/* Start-up floors: prints its usage and exits. run.sh links it twice, to
 * libmongoc alone and to libmongoc plus libcurl, the two C libraries fido
 * loads, so the table shows what loading each costs before main runs. */
#include <stdio.h>

int main(void) {
  puts("usage: noop");
  return 0;
}
