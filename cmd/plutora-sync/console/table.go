package console

import (
	"io"
	"strings"
	"unicode/utf8"
)

// writeTable prints rows in columns as wide as their widest cell, two spaces
// apart: the columns whose right is true are aligned right (numbers), the
// others left; the last column is not padded.
func writeTable(w io.Writer, right []bool, rows [][]string) {
	widths := map[int]int{}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var sb strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case i == len(row)-1 && !(i < len(right) && right[i]):
				sb.WriteString(cell)
			case i < len(right) && right[i]:
				sb.WriteString(pad + cell)
			default:
				sb.WriteString(cell + pad)
			}
			if i < len(row)-1 {
				sb.WriteString("  ")
			}
		}
		sb.WriteString("\n")
	}
	io.WriteString(w, sb.String())
}
