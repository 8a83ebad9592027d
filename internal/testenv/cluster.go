package testenv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/ohjaamo/ohjaamo/internal/eventstore"
)

// clusterSize is the number of servers Cluster starts: the smallest cluster
// that keeps an R3 stream writable with one server down.
const clusterSize = 3

// Cluster starts a JetStream cluster of three servers in this process, set
// up as deploy/nats recommends (one cluster name, routes to the other
// servers, fsync on every write), each with its own store directory under
// t.TempDir() and listening on loopback only. It waits until the cluster has
// a meta leader that knows all three servers and returns their client URLs
// joined by commas, the form eventstore.Config.URL takes. t.Cleanup shuts
// the servers down.
func Cluster(t testing.TB) string {
	t.Helper()
	var servers []*server.Server
	var err error
	// The route ports are chosen before the servers start, so another
	// process may take one in between; then try again on other ports.
	for range 3 {
		if servers, err = startCluster(t.TempDir()); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("start nats cluster: %v", err)
	}
	t.Cleanup(func() { shutdown(servers) })
	Eventually(t, 30*time.Second, func() error { return clusterReady(servers) })
	urls := make([]string, len(servers))
	for i, s := range servers {
		urls[i] = s.ClientURL()
	}
	return strings.Join(urls, ",")
}

// ClusterStore opens the event store with three replicas on a new Cluster;
// the store is closed before the servers stop.
func ClusterStore(t testing.TB) *eventstore.Store {
	t.Helper()
	urls := Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := eventstore.Open(ctx, eventstore.Config{URL: urls, Replicas: clusterSize, Logger: Logger(t)})
	if err != nil {
		t.Fatalf("open event store on the cluster %s: %v", urls, err)
	}
	t.Cleanup(s.Close)
	return s
}

func startCluster(dir string) ([]*server.Server, error) {
	ports, err := routePorts(clusterSize)
	if err != nil {
		return nil, err
	}
	var servers []*server.Server
	for i := range clusterSize {
		name := fmt.Sprintf("nats-%d", i+1)
		var routes []*url.URL
		for j, p := range ports {
			if j != i {
				routes = append(routes, &url.URL{Scheme: "nats-route", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(p))})
			}
		}
		ns, err := server.NewServer(&server.Options{
			ServerName: name,
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, name),
			SyncAlways: true,
			Cluster:    server.ClusterOpts{Name: "ohjaamo", Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			shutdown(servers)
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		servers = append(servers, ns)
		go ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			shutdown(servers)
			return nil, fmt.Errorf("%s: not ready for connections on route port %d within 10s", name, ports[i])
		}
	}
	return servers, nil
}

// routePorts picks n distinct loopback ports that are free now. They lie
// below Linux's ephemeral range (32768-60999), so the outgoing connections
// the servers make to each other cannot be given one of them before its
// server listens on it.
func routePorts(n int) ([]int, error) {
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries == 100 {
			return nil, errors.New("no free route ports found")
		}
		p := 20000 + rand.IntN(12000)
		if slices.Contains(ports, p) {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = l.Close()
		ports = append(ports, p)
	}
	return ports, nil
}

// clusterReady reports why the cluster cannot yet serve JetStream: it needs
// a meta leader that counts every server as a peer, and every server caught
// up with the meta group.
func clusterReady(servers []*server.Server) error {
	var leader *server.Server
	for _, s := range servers {
		if s.JetStreamIsLeader() {
			leader = s
		}
	}
	if leader == nil {
		return errors.New("no JetStream meta leader yet")
	}
	if peers := leader.JetStreamClusterPeers(); len(peers) != len(servers) {
		return fmt.Errorf("meta leader %s knows %d of %d servers", leader.Name(), len(peers), len(servers))
	}
	for _, s := range servers {
		if !s.JetStreamIsCurrent() {
			return fmt.Errorf("%s is not current with the meta group", s.Name())
		}
	}
	return nil
}

func shutdown(servers []*server.Server) {
	for _, s := range servers {
		s.Shutdown()
	}
	for _, s := range servers {
		s.WaitForShutdown()
	}
}
