namespace pivot::gtid { void anchor() {} }
