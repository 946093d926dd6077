// Command zipdir zips each dist/bin/<name>/main into dist/<name>.zip with
// the binary at the zip root (mode 0755), printing sizes; used by build.sh
// so no zip tool needs to be installed.
package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: zipdir BINDIR OUTDIR")
		os.Exit(2)
	}
	entries, err := os.ReadDir(os.Args[1])
	check(err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var total int64
	for _, n := range names {
		size, err := zipOne(filepath.Join(os.Args[1], n, "main"), filepath.Join(os.Args[2], n+".zip"))
		check(err)
		total += size
		fmt.Printf("%-32s %8.2f MiB\n", n+".zip", float64(size)/(1<<20))
	}
	fmt.Printf("%-32s %8.2f MiB (%d functions)\n", "total", float64(total)/(1<<20), len(names))
}

func zipOne(bin, out string) (int64, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	src, err := os.Open(bin)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return 0, err
	}
	h, err := zip.FileInfoHeader(st)
	if err != nil {
		return 0, err
	}
	h.Name, h.Method = "main", zip.Deflate
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, src); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "zipdir:", err)
		os.Exit(1)
	}
}
