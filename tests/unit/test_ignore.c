/* Unit tests for .dockerignore matching (build/ignore): the cases of
 * Docker's documentation and of moby's patternmatcher tests. */
#include <stdlib.h>

#include "build/ignore.h"
#include "unit.h"

static sbc_ignore *parse(const char *text)
{
    sbc_err e = {0};
    sbc_ignore *ig = sbc_ignore_parse(text, strlen(text), &e);
    if (!ig)
        fprintf(stderr, "  parse failed: %s\n", e.msg);
    return ig;
}

/* 1 excluded, 0 kept, -1 when the text does not parse */
static int m(const char *text, const char *path)
{
    sbc_ignore *ig = parse(text);
    if (!ig)
        return -1;
    int r = sbc_ignore_match(ig, path);
    sbc_ignore_free(ig);
    return r;
}

static int descend(const char *text, const char *dir)
{
    sbc_ignore *ig = parse(text);
    if (!ig)
        return -1;
    int r = sbc_ignore_may_descend(ig, dir);
    sbc_ignore_free(ig);
    return r;
}

/* the error message of a text that must not parse ("" when it parses) */
static const char *err_of(const char *text, char *buf, size_t n)
{
    sbc_err e = {0};
    sbc_ignore *ig = sbc_ignore_parse(text, strlen(text), &e);
    snprintf(buf, n, "%s", ig ? "" : e.msg);
    sbc_ignore_free(ig);
    return buf;
}

TEST(ignore_docs_examples)
{
    /* docs.docker.com .dockerignore example */
    const char *t = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
    CHECK_INT(m(t, "somedir/temporary.txt"), 1);
    CHECK_INT(m(t, "somedir/temp"), 1);
    CHECK_INT(m(t, "temporary.txt"), 0); /* the pattern wants a directory first */
    CHECK_INT(m(t, "somedir/subdir/temporary.txt"), 1);
    CHECK_INT(m(t, "a/b/c/temporary.txt"), 0);
    CHECK_INT(m(t, "tempa"), 1);
    CHECK_INT(m(t, "tempb"), 1);
    CHECK_INT(m(t, "temp"), 0);
    CHECK_INT(m(t, "tempab"), 0);
    CHECK_INT(m(t, "temp/"), 0);
    CHECK_INT(m(t, "# comment"), 0);
    CHECK_INT(m("**/*.go\n", "main.go"), 1);
    CHECK_INT(m("**/*.go\n", "a/b/c/x.go"), 1);
    CHECK_INT(m("**/*.go\n", "a/b/c/x.gox"), 0);
    CHECK_INT(m("**/*.go\n", "a/b/c.go/x"), 1); /* the parent c.go matches */
}

TEST(ignore_exceptions_last_wins)
{
    CHECK_INT(m("*.md\n!README.md\n", "README.md"), 0);
    CHECK_INT(m("*.md\n!README.md\n", "CHANGES.md"), 1);
    CHECK_INT(m("*.md\n!README.md\n", "main.c"), 0);
    /* docs: README-secret.md excluded, the other README*.md kept */
    const char *t = "*.md\n!README*.md\nREADME-secret.md\n";
    CHECK_INT(m(t, "README-secret.md"), 1);
    CHECK_INT(m(t, "README-public.md"), 0);
    CHECK_INT(m(t, "notes.md"), 1);
    /* the other order: the exception comes last and wins */
    const char *u = "*.md\nREADME-secret.md\n!README*.md\n";
    CHECK_INT(m(u, "README-secret.md"), 0);
    CHECK_INT(m(u, "notes.md"), 1);
    /* exclude, include, exclude again */
    CHECK_INT(m("a\n!a\na\n", "a"), 1);
    CHECK_INT(m("a\na\n!a\n", "a/b"), 0);
    CHECK_INT(m("!a\n", "a"), 0);
}

TEST(ignore_directories_and_descend)
{
    CHECK_INT(m("docs\n", "docs"), 1);
    CHECK_INT(m("docs\n", "docs/x/y"), 1);
    CHECK_INT(m("docs\n", "docsx"), 0);
    CHECK_INT(m("docs\n", "a/docs"), 0);
    const char *t = "docs\n!docs/keep.md\n";
    CHECK_INT(m(t, "docs"), 1);
    CHECK_INT(m(t, "docs/keep.md"), 0);
    CHECK_INT(m(t, "docs/other.md"), 1);
    CHECK_INT(m(t, "docs/keep.md/inner"), 0);
    CHECK_INT(descend(t, "docs"), 1);
    CHECK_INT(descend("docs\n", "docs"), 0);        /* no exception at all */
    CHECK_INT(descend("docs\n!src/x\n", "docs"), 0); /* an exception elsewhere */
    CHECK_INT(descend("docs\n!*.md\n", "docs"), 0);  /* '*' does not cross '/' */
    CHECK_INT(descend("docs\n!**/*.md\n", "docs"), 1);
    CHECK_INT(descend("docs\n!*/keep\n", "docs"), 1);
    CHECK_INT(descend("a\n!a/b/c\n", "a/b"), 1);
    CHECK_INT(descend("a\n!a/b/c\n", "a/x"), 0);
    CHECK_INT(descend("a\n!a/b\n", "a/b/c"), 1); /* re-included through its parent */
    /* moby's MatchesOrParentMatches: parents checked per pattern */
    CHECK_INT(m("dir\n!dir/sub\ndir/sub/x\n", "dir/sub/x/y"), 1);
    CHECK_INT(m("dir\n!dir/sub\ndir/sub/x\n", "dir/sub/z"), 0);
}

TEST(ignore_cleaning)
{
    CHECK_INT(m("/docs\n", "docs/a"), 1);
    CHECK_INT(m("./docs\n", "docs/a"), 1);
    CHECK_INT(m("docs/\n", "docs/a"), 1);
    CHECK_INT(m("a//b/../c\n", "a/c"), 1);
    CHECK_INT(m("a//b/../c\n", "a/b"), 0);
    CHECK_INT(m("./a/../b\n", "b"), 1);
    CHECK_INT(m("./a/../b\n", "a"), 0);
    CHECK_INT(m("/../x\n", "x"), 1);          /* rooted: ".." of "/" is "/" */
    CHECK_INT(m("  spaced  \t\n", "spaced"), 1);
    CHECK_INT(m("! keep\n*\n!keep\n", "keep"), 0);
    CHECK_INT(m("x\r\n", "x"), 1);
    CHECK_INT(m("\xef\xbb\xbfx\n", "x"), 1);  /* BOM */
    CHECK_INT(m(" #x\n", "#x"), 1);          /* '#' not first: a pattern */
    CHECK_INT(m("#x\n", "#x"), 0);
    CHECK_INT(m("\n\n   \n", "a"), 0);
    CHECK_INT(m("a\n", "./a"), 1);          /* the path is cleaned too */
    CHECK_INT(m("a/b\n", "a//b/"), 1);
    CHECK_INT(m("a/b\n", "/a/b"), 1);
    sbc_ignore *ig = parse("# only\n\n  \n/a\n");
    CHECK(ig != NULL);
    CHECK_INT(sbc_ignore_count(ig), 1);
    sbc_ignore_free(ig);
}

TEST(ignore_double_star)
{
    CHECK_INT(m("**\n", "anything/at/all"), 1);
    CHECK_INT(m("**/foo\n", "foo"), 1);
    CHECK_INT(m("**/foo\n", "a/b/foo"), 1);
    CHECK_INT(m("**/foo\n", "a/b/xfoo"), 0);
    CHECK_INT(m("a/**/b\n", "a/b"), 1);
    CHECK_INT(m("a/**/b\n", "a/x/y/b"), 1);
    CHECK_INT(m("a/**/b\n", "a/x/y/bb"), 0);
    CHECK_INT(m("a/**/b\n", "ax/b"), 0);
    CHECK_INT(m("a/**\n", "a/x/y"), 1);
    CHECK_INT(m("a/**\n", "a"), 0); /* moby: "a/.*" wants the slash */
    CHECK_INT(m("a/**\n", "b/a/x"), 0);
    CHECK_INT(m("**/*.txt\n", "a/b.txt"), 1);
    CHECK_INT(m("**/*.txt\n", "a/btxt"), 0);
    /* moby's quirk: "**" inside a name is "(.*\/)?" */
    CHECK_INT(m("a**b\n", "ab"), 1);
    CHECK_INT(m("a**b\n", "ax/b"), 1);
    CHECK_INT(m("a**b\n", "axb"), 0);
    CHECK_INT(m("**/a/**\n", "x/y/a/z"), 1);
    CHECK_INT(m("**/a/**\n", "x/y/b/z"), 0);
}

TEST(ignore_single_star_question_class)
{
    CHECK_INT(m("*\n", "a"), 1);
    CHECK_INT(m("*\n", "a/b"), 1); /* through the parent a */
    CHECK_INT(m("*/b\n", "a/b"), 1);
    CHECK_INT(m("*/b\n", "a/c/b"), 0);
    CHECK_INT(m("a*\n", "ab/c"), 1);
    CHECK_INT(m("a?c\n", "abc"), 1);
    CHECK_INT(m("a?c\n", "a/c"), 0);
    CHECK_INT(m("a?c\n", "a\xc3\xa9" "c"), 1); /* ? is one rune */
    CHECK_INT(m("a[bc]d\n", "acd"), 1);
    CHECK_INT(m("a[bc]d\n", "aed"), 0);
    CHECK_INT(m("a[b-d]e\n", "ace"), 1);
    CHECK_INT(m("a[b-d]e\n", "aee"), 0);
    CHECK_INT(m("a[^b-d]e\n", "aee"), 1);
    CHECK_INT(m("a[^b-d]e\n", "ace"), 0);
    /* as in Go (and moby's regexp) only '^' negates: "[!a]" is '!' or 'a' */
    CHECK_INT(m("[!a]\n", "!"), 1);
    CHECK_INT(m("[!a]\n", "b"), 0);
    CHECK_INT(m("a[\\]]b\n", "a]b"), 1);
    CHECK_INT(m("a[\\-]b\n", "a-b"), 1);
    CHECK_INT(m("a[*]b\n", "a*b"), 1);
    CHECK_INT(m("a[*]b\n", "axb"), 0);
    CHECK_INT(m("[\xc3\xa0-\xc3\xbf]\n", "\xc3\xa9"), 1);
    CHECK_INT(m("a\\*b\n", "a*b"), 1);
    CHECK_INT(m("a\\*b\n", "axb"), 0);
    CHECK_INT(m("a\\?b\n", "axb"), 0);
    CHECK_INT(m("\\[a\n", "[a"), 1);
    CHECK_INT(m("a]b\n", "a]b"), 1);
    CHECK_INT(m("*a*a*a*a*a*a*a*a*a*b\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
    CHECK_INT(m("*a*a*a*a*a*a*a*a*a*b\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), 1);
}

TEST(ignore_bad_patterns)
{
    char b[1024];
    CHECK_STR(err_of("a\n# c\n[a\n", b, sizeof b), ".dockerignore:3: bad pattern \"[a\"");
    CHECK_STR(err_of("!x[\n", b, sizeof b), ".dockerignore:1: bad pattern \"!x[\"");
    CHECK_STR(err_of("[]\n", b, sizeof b), ".dockerignore:1: bad pattern \"[]\"");
    CHECK_STR(err_of("[^]a\n", b, sizeof b), ".dockerignore:1: bad pattern \"[^]a\"");
    CHECK_STR(err_of("[a-]\n", b, sizeof b), ".dockerignore:1: bad pattern \"[a-]\"");
    CHECK_STR(err_of("[-a]\n", b, sizeof b), ".dockerignore:1: bad pattern \"[-a]\"");
    CHECK_STR(err_of("\n\nab\\\n", b, sizeof b), ".dockerignore:3: bad pattern \"ab\\\"");
    CHECK_STR(err_of("[\xff]\n", b, sizeof b), ".dockerignore:1: bad pattern \"[\xff]\"");
    CHECK_STR(err_of("x\n!\n", b, sizeof b), ".dockerignore:2: illegal exclusion pattern: \"!\"");
    CHECK_STR(err_of("[a-c]\n[\\]]\n*\n[!]\n", b, sizeof b), "");
    /* bounds */
    char *big = malloc(SBC_IGNORE_MAX_LINE + 3);
    memset(big, 'a', SBC_IGNORE_MAX_LINE + 1);
    strcpy(big + SBC_IGNORE_MAX_LINE + 1, "\n");
    CHECK_STR(err_of(big, b, sizeof b), ".dockerignore:1: line longer than 4096 bytes");
    big[SBC_IGNORE_MAX_LINE] = '\n';
    CHECK_STR(err_of(big, b, sizeof b), "");
    free(big);
    size_t n = 2 * (SBC_IGNORE_MAX_PATTERNS + 1);
    char *many = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        many[i] = 'x', many[i + 1] = '\n';
    many[n] = 0;
    CHECK_STR(err_of(many, b, sizeof b), ".dockerignore:10001: more than 10000 patterns");
    many[n - 2] = '#';
    CHECK_STR(err_of(many, b, sizeof b), "");
    free(many);
}

/* a table in the manner of moby's patternmatcher TestMatches */
TEST(ignore_moby_table)
{
    static const struct { const char *pat, *path; int want; } c[] = {
        {"**", "file", 1}, {"**", "file/", 1}, {"**/", "file", 1}, {"**", "/", 1},
        {"**/**", "dir/file", 1}, {"dir/**", "dir/dir2/file/", 1}, {"**/dir", "dir", 1},
        {"**/dir", "dir/file", 1}, {"**/dir2/*", "dir/dir2/file", 1}, {"**/dir2/**", "dir/dir2/dir3/file", 1},
        {"**file", "file", 1}, {"**file", "dir/dir/file", 1}, {"**/file*", "dir/dir/file.txt", 1},
        {"**/file*txt", "dir/dir/file.txt", 1}, {"**/file*.txt*", "dir/dir/file.txt", 1},
        {"**/**/*.txt", "dir/dir/file.txt", 1}, {"**/**/*.txt2", "dir/dir/file.txt", 0},
        {"**/**/*.txt", "file.txt", 1}, {"a**/*.txt", "a/file.txt", 1}, {"a**/*.txt", "a/dir/dir/file.txt", 1},
        {"a/*.txt", "a/dir/file.txt", 0}, {"a/*.txt", "a/file.txt", 1}, {"a/*.txt**", "a/file.txt", 1},
        {"a[b-d]e", "ae", 0}, {"a[b-d]e", "aae", 0}, {"a[^b-d]e", "aze", 1}, {".*", ".foo", 1},
        {".*", "foo", 0}, {"abc.def", "abcdef", 0}, {"abc.def", "abcZdef", 0}, {"abc?def", "abcZdef", 1},
        {"abc?def", "abcdef", 0}, {"a\\\\", "a\\", 1}, {"**/foo/bar", "dir/dir2/foo/bar", 1},
        {"abc/**", "abc", 0}, {"abc/**", "abc/def/ghi", 1}, {"**/.foo", ".foo", 1}, {"**/.foo", "bar.foo", 0},
        {"a(b)c/def", "a(b)c/def", 1}, {"a(b)c/def", "a(b)c/xyz", 0}, {"a.|)$(}+{bc", "a.|)$(}+{bc", 1},
        {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char t[256];
        snprintf(t, sizeof t, "%s\n", c[i].pat);
        int got = m(t, c[i].path);
        if (got != c[i].want)
            fprintf(stderr, "  pattern \"%s\" path \"%s\": got %d\n", c[i].pat, c[i].path, got);
        CHECK_INT(got, c[i].want);
    }
}

TEST(ignore_descend_more)
{
    CHECK_INT(descend("*\n!a/[bc]/keep\n", "a"), 1);
    CHECK_INT(descend("*\n!a/[bc]/keep\n", "a/b"), 1);
    CHECK_INT(descend("*\n!a/[bc]/keep\n", "a/d"), 0);
    CHECK_INT(descend("*\n!a/**/keep\n", "a/x/y/z"), 1);
    CHECK_INT(descend("*\n!a/**/keep\n", "b/x"), 0);
    CHECK_INT(descend("*\n!a?/x\n", "ab"), 1);
    CHECK_INT(descend("*\n!a?/x\n", "abc"), 0);
    CHECK_INT(m("*\n!a/[bc]/keep\n", "a/c/keep"), 0);
    CHECK_INT(m("*\n!a/[bc]/keep\n", "a/c/other"), 1);
    /* the root and an empty matcher */
    CHECK_INT(m("x\n", "/"), 0);
    CHECK_INT(m("x\n", ""), 0);
    CHECK_INT(sbc_ignore_match(NULL, "x"), 0);
    CHECK_INT(sbc_ignore_may_descend(NULL, "x"), 0);
    sbc_err e = {0};
    sbc_ignore *ig = sbc_ignore_parse("", 0, &e);
    CHECK(ig != NULL);
    CHECK_INT(sbc_ignore_match(ig, "anything"), 0);
    CHECK_INT(sbc_ignore_count(ig), 0);
    sbc_ignore_free(ig);
}
