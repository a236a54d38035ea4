// checkpeer: a second, independent implementation (Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog, from Debian's golang-golang-x-mod-dev) checks ejournal's files.
//
// Usage: checkpeer VKEY CHECKPOINT_NOTE_FILE SEGMENT_FILE
// It verifies the note's signature with note.Open, recomputes the RFC 6962 root of the
// segment's lines with tlog and compares it with the checkpoint's root, then prints
// "ok <size>" followed by an inclusion proof of leaf 0 and a consistency proof from size 1
// (base64, one hash per line) for the Python side to check with its own verifier.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: checkpeer VKEY NOTE SEGMENT")
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 3 {
		fail("checkpoint must have 3 lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		fail("root: %v", err)
	}
	seg, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("%v", err)
	}
	records := bytes.Split(bytes.TrimSuffix(seg, []byte("\n")), []byte("\n"))
	if int64(len(records)) < size {
		fail("segment has %d lines, checkpoint covers %d", len(records), size)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := int64(0); i < size; i++ {
		hashes, err := tlog.StoredHashes(i, records[i], reader)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, hashes...)
	}
	th, err := tlog.TreeHash(size, reader)
	if err != nil {
		fail("%v", err)
	}
	if !bytes.Equal(th[:], root) {
		fail("root mismatch: tlog %x, checkpoint %x", th[:], root)
	}
	fmt.Printf("ok %d\n", size)
	proof, err := tlog.ProveRecord(size, 0, reader)
	if err != nil {
		fail("%v", err)
	}
	fmt.Println("inclusion")
	for _, h := range proof {
		fmt.Println(base64.StdEncoding.EncodeToString(h[:]))
	}
	tp, err := tlog.ProveTree(size, 1, reader)
	if err != nil {
		fail("%v", err)
	}
	fmt.Println("consistency")
	for _, h := range tp {
		fmt.Println(base64.StdEncoding.EncodeToString(h[:]))
	}
}
