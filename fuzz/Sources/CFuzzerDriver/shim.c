// Empty: the target only carries the header that declares libFuzzer's driver.
