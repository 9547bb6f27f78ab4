// The folding tables: each Latin letter with diacritics maps to its base
// letter, as Unicode's canonical decomposition (NFD) gives it, so that
// "renovación" and "renovacion", "Tôi" and "toi" meet. They were computed
// once from the Unicode data; the standard library has no normalizer.

package local

// foldLatin maps U+00C0..U+024F to the base ASCII letter, or '.' for none.
const foldLatin = "aaaaaa.ceeeeiiii.nooooo.ouuuuy..aaaaaa.ceeeeiiiidnooooo.ouuuuytyaaaaaaccccccccddddeeeeeeeeeegggggggghh.hiiiiiiiiii..jjkk.llllll.lllnnnnnn...oooooo..rrrrrrsssssssstttt.tuuuuuuuuuuuuwwyyyzzzzzz.................................oo.............uu............................aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa....aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............................"

// foldViet maps U+1E00..U+1EFF to the base ASCII letter, or '.' for none.
const foldViet = "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......"
