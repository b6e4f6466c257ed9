package rooms

import (
	"encoding/binary"
	"errors"
	"reflect"
)

// The records of the commands a room takes by the thousand (upvote,
// unvote, vote) have a compact binary encoding: a JSON record costs about
// half of the store's work for such a command, once to encode it and once
// for the replica to decode it. Every other record, and a hot one that
// carries any other field, is JSON, which always starts with '{'.
//
//	0x01 <op> <flags> <participant> <id> [<author>] [<ballot>]
//	ballot: <n> <choice>×n <rating> <n> <word>×n <text>
//
// Numbers are varints, strings a uvarint length and the bytes; flags: 1
// staff, 2 an author, 4 a ballot.
const recordBinary = 0x01

const (
	flagStaff = 1 << iota
	flagAuthor
	flagBallot
)

// binaryOps are the ops with a binary encoding, by their code (index).
var binaryOps = [...]string{1: OpUpvote, 2: OpUnvote, 3: OpVote}

func binaryOpCode(op string) byte {
	for code, o := range binaryOps {
		if o != "" && o == op {
			return byte(code)
		}
	}
	return 0
}

// encodeBinaryRecord returns r in the binary encoding, or false when r is
// not a hot record made only of the fields the encoding carries.
func encodeBinaryRecord(r Record) ([]byte, bool) {
	code := binaryOpCode(r.Op)
	if code == 0 || (r.Ballot != nil) != (r.Op == OpVote) {
		return nil, false
	}
	rest := r
	rest.Op, rest.Participant, rest.Staff, rest.ID, rest.Author, rest.Ballot = "", "", false, "", nil, nil
	if !reflect.ValueOf(rest).IsZero() {
		return nil, false
	}
	var flags byte
	if r.Staff {
		flags |= flagStaff
	}
	if r.Author != nil {
		flags |= flagAuthor
	}
	if r.Ballot != nil {
		flags |= flagBallot
	}
	b := make([]byte, 0, 48+len(r.Participant)+len(r.ID))
	b = append(b, recordBinary, code, flags)
	b = appendBinaryString(b, r.Participant)
	b = appendBinaryString(b, r.ID)
	if r.Author != nil {
		b = appendBinaryString(b, *r.Author)
	}
	if bl := r.Ballot; bl != nil {
		b = binary.AppendUvarint(b, uint64(len(bl.Choices)))
		for _, c := range bl.Choices {
			b = binary.AppendVarint(b, int64(c))
		}
		b = binary.AppendVarint(b, int64(bl.Rating))
		b = binary.AppendUvarint(b, uint64(len(bl.Words)))
		for _, w := range bl.Words {
			b = appendBinaryString(b, w)
		}
		b = appendBinaryString(b, bl.Text)
	}
	return b, true
}

func appendBinaryString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errBinaryRecord = errors.New("rooms: a malformed binary log record")

// decodeBinaryRecord reads a record encodeBinaryRecord made.
func decodeBinaryRecord(data []byte) (Record, error) {
	d := binaryReader{b: data}
	if d.byte() != recordBinary {
		return Record{}, errBinaryRecord
	}
	var r Record
	if code := int(d.byte()); code < len(binaryOps) {
		r.Op = binaryOps[code]
	}
	if r.Op == "" {
		return Record{}, errBinaryRecord
	}
	flags := d.byte()
	if flags&^(flagStaff|flagAuthor|flagBallot) != 0 || (flags&flagBallot != 0) != (r.Op == OpVote) {
		return Record{}, errBinaryRecord
	}
	r.Staff = flags&flagStaff != 0
	r.Participant, r.ID = d.string(), d.string()
	if flags&flagAuthor != 0 {
		author := d.string()
		r.Author = &author
	}
	if flags&flagBallot != 0 {
		var bl Ballot
		if n := d.count(); n > 0 {
			bl.Choices = make([]int, n)
			for i := range bl.Choices {
				bl.Choices[i] = int(d.varint())
			}
		}
		bl.Rating = int(d.varint())
		if n := d.count(); n > 0 {
			bl.Words = make([]string, n)
			for i := range bl.Words {
				bl.Words[i] = d.string()
			}
		}
		bl.Text = d.string()
		r.Ballot = &bl
	}
	if d.err || len(d.b) > 0 {
		return Record{}, errBinaryRecord
	}
	return r, nil
}

// binaryReader reads a binary record; err is set, and every read after it
// returns zero values, once the data runs out or is malformed.
type binaryReader struct {
	b   []byte
	err bool
}

func (d *binaryReader) byte() byte {
	if d.err || len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *binaryReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if d.err || n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *binaryReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if d.err || n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in what is left (each element takes
// at least a byte), so a malformed length cannot allocate much.
func (d *binaryReader) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return 0
	}
	return int(n)
}

func (d *binaryReader) string() string {
	n := d.count()
	if d.err {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
