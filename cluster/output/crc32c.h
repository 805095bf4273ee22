/* CRC-32C (Castagnoli), the checksum of TFRecord files (TensorBoard's event
 * files), and TFRecord's masked form of it. */
#ifndef CT_CLUSTER_CRC32C_H
#define CT_CLUSTER_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of data[size]: reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF (iSCSI, RFC 3720). ct_crc32c("123456789", 9) is
 * 0xE3069283. */
uint32_t ct_crc32c(const void *data, size_t size);

/* TFRecord's mask, applied to every CRC a record stores (a CRC over data
 * that holds CRCs is weak): rotate right by 15 bits, add 0xA282EAD8. */
uint32_t ct_crc32c_mask(uint32_t crc);

#endif
