package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
    @Test
    void aPortAnotherProgramListensOnIsSkipped() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            PortAllocator ports = new PortAllocator(busy.getLocalPort());

            assertThat(ports.allocate()).isGreaterThan(busy.getLocalPort());
        }
    }

    @Test
    void aPortListenedOnAtTheWildcardAddressIsSkipped() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1)) {
            PortAllocator ports = new PortAllocator(busy.getLocalPort());

            assertThat(ports.allocate()).isGreaterThan(busy.getLocalPort());
        }
    }

    @Test
    void leasedPortsAreNotHandedOutTwiceAndReleasedOnesComeBack() {
        PortAllocator ports = new PortAllocator(FreePorts.next());
        int a = ports.allocate();
        int b = ports.allocate();
        assertThat(b).isNotEqualTo(a);

        ports.release(a);

        assertThat(ports.allocate()).isEqualTo(a);
    }

    @Test
    void concurrentAllocationsGetDistinctPorts() throws InterruptedException {
        PortAllocator ports = new PortAllocator(FreePorts.next());
        Set<Integer> got = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                got.add(ports.allocate());
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(got).hasSize(20);
    }

    @Test
    void anExhaustedRangeFailsClearly() {
        int base = FreePorts.next();
        PortAllocator ports = new PortAllocator(base, base);
        Set<Integer> first = new HashSet<>(List.of(ports.allocate()));

        assertThat(first).containsExactly(base);
        assertThatThrownBy(ports::allocate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no free loopback port between " + base);
    }
}
