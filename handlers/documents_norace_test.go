//go:build !race

package handlers

// raceDetector is off: heap measurements mean what they say.
const raceDetector = false
