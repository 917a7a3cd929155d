namespace pivot::protocol { void anchor() {} }
