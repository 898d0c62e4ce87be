/*
 * db.h: the native Database class (db.c).
 */
#ifndef RVN_DB_H
#define RVN_DB_H

#include "base.h"

/* Define the Database class and checkDatabase() on exports. */
bool rvn_db_init(napi_env env, napi_value exports);

#endif
