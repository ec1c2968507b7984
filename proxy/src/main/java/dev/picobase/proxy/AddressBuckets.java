package dev.picobase.proxy;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.HexFormat;

/**
 * The unit every per-client limit counts in: an IPv4 address itself, an IPv6 address by its /64
 * network (the block one subscriber usually holds, so rotating addresses inside it buys nothing), an
 * IPv4-mapped IPv6 address as its IPv4 address. Used by the connection and stream caps, the key-check
 * budget and the sign-in limits alike. Pure; never a DNS lookup (only literals are parsed).
 */
public final class AddressBuckets {
    private AddressBuckets() {}

    public static String of(String address) {
        byte[] bytes = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
        return bytes == null ? String.valueOf(address) : of(bytes);
    }

    public static String of(InetAddress address) {
        return of(address.getAddress());
    }

    private static String of(byte[] bytes) {
        if (bytes.length == 4) {
            return NetUtil.bytesToIpAddress(bytes);
        }
        if (isIpv4Mapped(bytes)) {
            return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
        }
        return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
