// libedit's readline-compatible API. Not GNU readline's header: include from editline/.
#include <stdio.h>
#include <editline/readline.h>
