// Command compose loads a docker-compose.yml the way `docker compose config` does (compose-go, the
// library behind Docker Compose: the Compose Specification's schema, interpolation, ports), with
// no Docker engine, and prints the services' published ports.
//
//	go run ./compose ../../../docker-compose.yml
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose docker-compose.yml")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithName("weir"),
		cli.WithProfiles([]string{"*"}), // every service, the optional profiles' too
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := project.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		service := project.Services[name]
		for _, p := range service.Ports {
			fmt.Printf("%s: %s:%s -> %d/%s\n", name, p.HostIP, p.Published, p.Target, p.Protocol)
		}
	}
	fmt.Printf("%s: valid (%d services)\n", os.Args[1], len(names))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
	os.Exit(1)
}
