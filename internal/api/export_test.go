package api

import "google.golang.org/protobuf/reflect/protoreflect"

// The input guard's limits, for the tests that walk every procedure.
const (
	MaxListElements = maxListElements
	MaxMapEntries   = maxMapEntries
)

// StringLimit is the most characters the input guard lets fd carry.
func StringLimit(fd protoreflect.FieldDescriptor) int { return stringLimit(fd) }
