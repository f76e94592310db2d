//go:build race

package handlers

// raceDetector is on: it changes allocation and timing, so heap measurements are off.
const raceDetector = true
