package taxii_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/heraldcti/herald/store"
	_ "github.com/heraldcti/herald/store/bolt" // the bbolt backend, for file paths
	"github.com/heraldcti/herald/taxii"
)

// Example starts a TAXII server on a free loopback port, as a test program
// or a load script would, fetches the API root and shuts down gracefully.
func Example() {
	dir, err := os.MkdirTemp("", "herald-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	srv, err := taxii.NewServer(db, taxii.Config{
		MaxContentLength: 1 << 20,
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/herald/", nil)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	fmt.Println(string(body))

	stop() // as on SIGTERM: drain, then Serve returns nil
	fmt.Println("serve:", <-done)
	// Output:
	// 200 OK application/taxii+json;version=2.1
	// {"title":"Herald","versions":["application/taxii+json;version=2.1"],"max_content_length":1048576}
	// serve: <nil>
}
