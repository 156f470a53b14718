#: The verification commands for a pack: the appendix of every pack.pdf and section 6 of
#: docs/verifying.md are made from this one file (a test keeps the two equal to it, and runs
#: the commands as the PDF prints them). Lines: "#:" notes like these, shown nowhere; "## "
#: a step; "#= " what a step prints, {anchor} and {sums} filled in by the pack; anything else
#: a command line, printed whole, never wrapped. Run them inside the pack folder.
## With smsaudit installed, one command checks everything (manifest signature, every digest, nothing added, every record's signature, role and separation of duties):
smsaudit verify-pack . --anchor {anchor}

## With stock tools only. 1. The trust anchor is the one the organisation gave you by another channel:
openssl x509 -in trust/ca.pem -outform DER | sha256sum
#= {anchor}

## 2. The manifest is signed by the quality manager:
openssl cms -verify -binary -inform DER -in manifest.xml.p7s -content manifest.xml \
    -CAfile trust/ca.pem -purpose any -out /dev/null

## 3. The digest in this report's footer is SHA256SUMS's:
sha256sum SHA256SUMS
#= {sums}

## 4. Every file matches SHA256SUMS, and every file the signed manifest lists (pack.pdf too) matches its digest:
sha256sum --quiet -c SHA256SUMS
sed -n 's/.*<file path="\([^"]*\)" sha256="\([0-9a-f]*\)".*/\2 *\1/p' manifest.xml | sha256sum --quiet -c

## 5. Nothing was added: the files present are the files listed (no output):
find . -type f ! -name 'manifest.xml*' | sed 's|^\./||' | sort >"${TMPDIR:-/tmp}/present"
sed -n 's/.*<file path="\([^"]*\)".*/\1/p' manifest.xml | sort | diff - "${TMPDIR:-/tmp}/present"

## 6. A record's signature (each record R has R.p7s beside it), and the content it vouches for:
rec=$(ls records/*/*/*/ev-*.xml | head -1)
openssl cms -verify -binary -inform DER -in "$rec.p7s" -content "$rec" \
    -CAfile trust/ca.pem -purpose any -out /dev/null
sha=$(sed -n 's/.*<content sha256="\([0-9a-f]*\)".*/\1/p' "$rec")
echo "$sha *content/$(echo "$sha" | cut -c1-2)/$sha" | sha256sum -c
