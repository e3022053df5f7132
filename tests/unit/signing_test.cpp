#include "reports/signing.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

class Signing : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(Signing, RoundTripsAndCarriesTheTrustedComment) {
  KeyPair keys = GenerateKeyPair();
  std::string sig = SignatureFileText(keys, "report bytes", "kiln-report cluster=c1 sha256=abc");
  VerifyResult r = VerifySignature(keys, "report bytes", sig);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.trusted_comment, "kiln-report cluster=c1 sha256=abc");
}

TEST_F(Signing, AChangedByteFails) {
  KeyPair keys = GenerateKeyPair();
  std::string sig = SignatureFileText(keys, "report bytes", "c");
  VerifyResult r = VerifySignature(keys, "report byteS", sig);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("altered after signing"), std::string::npos) << r.message;
}

TEST_F(Signing, AWrongKeyFailsNamingBothKeyIds) {
  KeyPair a = GenerateKeyPair(), b = GenerateKeyPair();
  VerifyResult r = VerifySignature(b, "x", SignatureFileText(a, "x", "c"));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find(KeyIdHex(a.key_id)), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(KeyIdHex(b.key_id)), std::string::npos) << r.message;
}

TEST_F(Signing, ATruncatedSignatureOrAlteredTrustedCommentFails) {
  KeyPair keys = GenerateKeyPair();
  std::string sig = SignatureFileText(keys, "x", "cluster=c1");
  VerifyResult truncated = VerifySignature(keys, "x", sig.substr(0, sig.size() / 2));
  EXPECT_FALSE(truncated.ok);
  EXPECT_NE(truncated.message.find("truncated or malformed"), std::string::npos) << truncated.message;
  std::string altered = sig;
  altered.replace(altered.find("cluster=c1"), 10, "cluster=c2");
  VerifyResult comment = VerifySignature(keys, "x", altered);
  EXPECT_FALSE(comment.ok);
  EXPECT_EQ(comment.message, "trusted comment was altered after signing");
}

TEST_F(Signing, KeyFilesRoundTripAndKeyIdsPrintLikeMinisign) {
  testing::TempDir dir;
  WriteKeyPair((dir.path() / "k").string());
  struct stat info{};
  ASSERT_EQ(::stat((dir.path() / "k/kiln.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  KeyPair secret = LoadSecretKey((dir.path() / "k/kiln.key").string());
  KeyPair pub = LoadPublicKey((dir.path() / "k/kiln.pub").string());
  EXPECT_EQ(secret.key_id, pub.key_id);
  EXPECT_EQ(secret.public_key, pub.public_key);
  EXPECT_TRUE(VerifySignature(pub, "x", SignatureFileText(secret, "x", "c")).ok);
  EXPECT_THROW(WriteKeyPair((dir.path() / "k").string()), RunError);  // never overwrites a key
  std::array<unsigned char, 8> id{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  EXPECT_EQ(KeyIdHex(id), "0807060504030201");
}

TEST_F(Signing, RefusesASecretKeyReadableByOthersAndCorruptKeys) {
  testing::TempDir dir;
  WriteKeyPair((dir.path() / "k").string());
  std::string path = (dir.path() / "k/kiln.key").string();
  ::chmod(path.c_str(), 0644);
  try {
    LoadSecretKey(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("readable by others (mode 0644)"), std::string::npos) << e.what();
  }
  std::string corrupt = dir.Write("bad.key", "untrusted comment: x\nRWQAAEIyAAAA\n");
  ::chmod(corrupt.c_str(), 0600);
  EXPECT_THROW(LoadSecretKey(corrupt), InputError);
  EXPECT_THROW(LoadPublicKey(dir.Write("bad.pub", "untrusted comment: x\nnot base64!\n")), InputError);
}

std::string KeyError(const std::string& path) {
  try {
    LoadSecretKey(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(Signing, RefusesAKeyBehindASymlinkOrOwnedBySomeoneElse) {
  testing::TempDir dir;
  WriteKeyPair((dir.path() / "k").string());
  std::string path = (dir.path() / "k/kiln.key").string();
  EXPECT_EQ(KeyError(path), "");
  std::string link = (dir.path() / "link.key").string();
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  EXPECT_NE(KeyError(link).find("symbolic link"), std::string::npos) << KeyError(link);
  if (::geteuid() == 0) {  // only root can give a file away
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
    EXPECT_NE(KeyError(path).find("belongs to uid 65534"), std::string::npos) << KeyError(path);
  }
}

}  // namespace
}  // namespace kiln
