/* CRC-32C and TFRecord's mask against published values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/output/crc32c.h"

/* The definition, one bit at a time: what the table must reproduce. */
static uint32_t crc32c_bitwise(const unsigned char *p, size_t size)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

/* The check value of the CRC catalogue and the CRC-32C examples of RFC 3720,
 * appendix B.4. */
static void test_known_vectors(void **state)
{
    (void)state;
    unsigned char buf[32];
    assert_int_equal(ct_crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(ct_crc32c("", 0), 0);
    memset(buf, 0, sizeof buf);
    assert_int_equal(ct_crc32c(buf, sizeof buf), 0x8A9136AAu);
    memset(buf, 0xFF, sizeof buf);
    assert_int_equal(ct_crc32c(buf, sizeof buf), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)i;
    assert_int_equal(ct_crc32c(buf, sizeof buf), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)(31 - i);
    assert_int_equal(ct_crc32c(buf, sizeof buf), 0x113FDB5Cu);
}

/* Every table entry, through single bytes and a long pseudo-random buffer. */
static void test_table_matches_definition(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        unsigned char byte = (unsigned char)b;
        assert_int_equal(ct_crc32c(&byte, 1), crc32c_bitwise(&byte, 1));
    }
    unsigned char buf[4099];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    for (size_t size = 0; size <= sizeof buf; size += 293)
        assert_int_equal(ct_crc32c(buf, size), crc32c_bitwise(buf, size));
}

static void test_mask(void **state)
{
    (void)state;
    assert_int_equal(ct_crc32c_mask(0), 0xA282EAD8u);
    /* rotr(0xE3069283, 15) = 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5 (mod 2^32) */
    assert_int_equal(ct_crc32c_mask(0xE3069283u), 0xC78AB0E5u);
    /* The masked CRC of the length of a 24-byte record, as in every event
     * file TensorFlow writes: bytes a3 7f 4b 22 after 18 00 00 00 00 00 00 00
     * (tensorflow's event_file_loader_test). */
    const unsigned char length24[8] = {24, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ct_crc32c_mask(ct_crc32c(length24, 8)), 0x224B7FA3u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_table_matches_definition),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
