/* Unit tests for strict user and group ids (lib/runtime/user). */
#include <stdint.h>

#include "runtime/user.h"
#include "unit.h"

TEST(user_id_parse)
{
    uint32_t id = 7;
    CHECK_INT(sbc_id_parse("0", &id), 0);
    CHECK_INT(id, 0);
    CHECK_INT(sbc_id_parse("1000", &id), 0);
    CHECK_INT(id, 1000);
    CHECK_INT(sbc_id_parse("2147483647", &id), 0);
    CHECK_INT(id, 2147483647);
    id = 7;
    /* wraps to uid 0 or (uid_t)-1 in a 32-bit cast: refused */
    CHECK_INT(sbc_id_parse("2147483648", &id), -1);
    CHECK_INT(sbc_id_parse("4294967295", &id), -1);
    CHECK_INT(sbc_id_parse("4294967296", &id), -1);
    CHECK_INT(sbc_id_parse("18446744073709551616", &id), -1);
    CHECK_INT(sbc_id_parse("99999999999999999999999999999", &id), -1);
    CHECK_INT(sbc_id_parse("-1", &id), -1);
    CHECK_INT(sbc_id_parse("+1", &id), -1);
    CHECK_INT(sbc_id_parse("", &id), -1);
    CHECK_INT(sbc_id_parse(" 1", &id), -1);
    CHECK_INT(sbc_id_parse("1 ", &id), -1);
    CHECK_INT(sbc_id_parse("0x10", &id), -1);
    CHECK_INT(sbc_id_parse("12a", &id), -1);
    CHECK_INT(id, 7); /* untouched on error */
    CHECK_INT(sbc_id_numeric("-1"), 1);
    CHECK_INT(sbc_id_numeric("4294967296"), 1);
    CHECK_INT(sbc_id_numeric("app"), 0);
    CHECK_INT(sbc_id_numeric("1a"), 0);
    CHECK_INT(sbc_id_numeric("-"), 0);
}

TEST(user_check)
{
    sbc_err e = {0};
    CHECK_INT(sbc_user_check("0", "user", &e), 0);
    CHECK_INT(sbc_user_check("app", "user", &e), 0);
    CHECK_INT(sbc_user_check("app:extra", "user", &e), 0);
    CHECK_INT(sbc_user_check("1000:1000", "user", &e), 0);
    CHECK_INT(sbc_user_check("2147483647:2147483647", "user", &e), 0);
    static const char *const bad[] = {
        "4294967296", "4294967295", "-1", "1000:4294967295", "1000:-1", "2147483648",
        "99999999999999999999999", "", ":", "1000:", ":1000", "a:b:c", "ap\np", "a/b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sbc_err_clear(&e);
        CHECK_INT(sbc_user_check(bad[i], "user", &e), -1);
        CHECK_INT(e.code, 125);
        CHECK(e.msg[0] && !strchr(e.msg, '\n'));
    }
    sbc_err_clear(&e);
    CHECK_INT(sbc_user_check("4294967296", "user", &e), -1);
    CHECK_STR(e.msg, "invalid user \"4294967296\": user 4294967296 is out of range 0-2147483647");
    CHECK_INT(sbc_user_check("video", "group", &e), 0);
    CHECK_INT(sbc_user_check("44", "group", &e), 0);
    CHECK_INT(sbc_user_check("4294967296", "group", &e), -1);
    CHECK_INT(sbc_user_check("a:b", "group", &e), -1);
    CHECK_INT(sbc_user_check("", "group", &e), -1);
}
