-- customer_profile
SELECT
  n.__key,
  n.__external_id,
  n.alias__crm_id,
  n.sub__email,
  n.sub__sms,
  n.tag__first_name,
  n.tag__plan,
  n.tag__ltv,
  n.tag__last_order_at,
  nullIf(
    CASE
      WHEN (
        NOT (
          n.__raw_0 IS NULL
        )
        AND TRIM(
          if(
            match(toTypeName(n.__raw_0), '^(Nullable\\()?DateTime'),
            formatDateTime(accurateCastOrNull(n.__raw_0, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
            toString(n.__raw_0)
          )
        ) <> ''
      )
      AND n.tag__ltv IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT (
          n.__raw_1 IS NULL
        )
        AND TRIM(
          if(
            match(toTypeName(n.__raw_1), '^(Nullable\\()?DateTime'),
            formatDateTime(accurateCastOrNull(n.__raw_1, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
            toString(n.__raw_1)
          )
        ) <> ''
      )
      AND n.tag__last_order_at IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  LOWER(
    HEX(
      MD5(
        CASE
          WHEN n.__external_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.__external_id) AS Nullable(String)) || ':' || n.__external_id
        END || CASE
          WHEN n.alias__crm_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.alias__crm_id) AS Nullable(String)) || ':' || n.alias__crm_id
        END || CASE
          WHEN n.sub__email IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.sub__email) AS Nullable(String)) || ':' || n.sub__email
        END || CASE
          WHEN n.sub__sms IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.sub__sms) AS Nullable(String)) || ':' || n.sub__sms
        END || CASE
          WHEN n.tag__first_name IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.tag__first_name) AS Nullable(String)) || ':' || n.tag__first_name
        END || CASE
          WHEN n.tag__plan IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.tag__plan) AS Nullable(String)) || ':' || n.tag__plan
        END || CASE
          WHEN n.tag__ltv IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.tag__ltv) AS Nullable(String)) || ':' || n.tag__ltv
        END || CASE
          WHEN n.tag__last_order_at IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.tag__last_order_at) AS Nullable(String)) || ':' || n.tag__last_order_at
        END
      )
    )
  ) AS __fingerprint
FROM (
  SELECT
    if(
      match(toTypeName(m.id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.id)
    ) AS __key,
    if(
      match(toTypeName(m.id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.id)
    ) AS __external_id,
    if(
      match(toTypeName(m.sf_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.sf_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.sf_id)
    ) AS alias__crm_id,
    if(
      match(toTypeName(m.email), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.email, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.email)
    ) AS sub__email,
    if(
      match(toTypeName(m.phone), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.phone, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.phone)
    ) AS sub__sms,
    if(
      match(toTypeName(m.first_name), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.first_name, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.first_name)
    ) AS tag__first_name,
    if(
      match(toTypeName(m.plan), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.plan, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.plan)
    ) AS tag__plan,
    CASE
      WHEN NOT match(
        nullIf(
          if(
            toTypeName(m.ltv) LIKE '%Float%',
            replaceRegexpOne(
              arrayElement(
                arrayMap(
                  __onesync_0 -> if(
                    match(__onesync_0, '^-?[0-9]{17,21}$'),
                    concat(
                      replaceRegexpOne(TRIM(TRAILING '0' FROM __onesync_0), '^(-?[0-9])', '\\1.'),
                      'e+',
                      toString(minus(length(TRIM(LEADING '-' FROM __onesync_0)), 1))
                    ),
                    __onesync_0
                  ),
                  [
                    replaceRegexpOne(
                      replaceRegexpOne(
                        replaceRegexpOne(
                          replaceRegexpOne(toString(m.ltv), 'e([0-9]+)$', 'e+\\1'),
                          'e([+-])([0-9])$',
                          'e\\10\\2'
                        ),
                        '^(-?)0[.]00000([1-9])([0-9]*)$',
                        '\\1\\2.\\3e-06'
                      ),
                      '^(-?)0[.]0000([1-9])([0-9]*)$',
                      '\\1\\2.\\3e-05'
                    )
                  ]
                ),
                1
              ),
              '[.]e',
              'e'
            ),
            TRIM(
              if(
                match(toTypeName(m.ltv), '^(Nullable\\()?DateTime'),
                formatDateTime(accurateCastOrNull(m.ltv, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                toString(m.ltv)
              )
            )
          ),
          ''
        ),
        '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
      )
      THEN NULL
      WHEN nullIf(
        if(
          toTypeName(m.ltv) LIKE '%Float%',
          replaceRegexpOne(
            arrayElement(
              arrayMap(
                __onesync_0 -> if(
                  match(__onesync_0, '^-?[0-9]{17,21}$'),
                  concat(
                    replaceRegexpOne(TRIM(TRAILING '0' FROM __onesync_0), '^(-?[0-9])', '\\1.'),
                    'e+',
                    toString(minus(length(TRIM(LEADING '-' FROM __onesync_0)), 1))
                  ),
                  __onesync_0
                ),
                [
                  replaceRegexpOne(
                    replaceRegexpOne(
                      replaceRegexpOne(
                        replaceRegexpOne(toString(m.ltv), 'e([0-9]+)$', 'e+\\1'),
                        'e([+-])([0-9])$',
                        'e\\10\\2'
                      ),
                      '^(-?)0[.]00000([1-9])([0-9]*)$',
                      '\\1\\2.\\3e-06'
                    ),
                    '^(-?)0[.]0000([1-9])([0-9]*)$',
                    '\\1\\2.\\3e-05'
                  )
                ]
              ),
              1
            ),
            '[.]e',
            'e'
          ),
          TRIM(
            if(
              match(toTypeName(m.ltv), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.ltv, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.ltv)
            )
          )
        ),
        ''
      ) LIKE '%.%'
      AND NOT LOWER(
        nullIf(
          if(
            toTypeName(m.ltv) LIKE '%Float%',
            replaceRegexpOne(
              arrayElement(
                arrayMap(
                  __onesync_0 -> if(
                    match(__onesync_0, '^-?[0-9]{17,21}$'),
                    concat(
                      replaceRegexpOne(TRIM(TRAILING '0' FROM __onesync_0), '^(-?[0-9])', '\\1.'),
                      'e+',
                      toString(minus(length(TRIM(LEADING '-' FROM __onesync_0)), 1))
                    ),
                    __onesync_0
                  ),
                  [
                    replaceRegexpOne(
                      replaceRegexpOne(
                        replaceRegexpOne(
                          replaceRegexpOne(toString(m.ltv), 'e([0-9]+)$', 'e+\\1'),
                          'e([+-])([0-9])$',
                          'e\\10\\2'
                        ),
                        '^(-?)0[.]00000([1-9])([0-9]*)$',
                        '\\1\\2.\\3e-06'
                      ),
                      '^(-?)0[.]0000([1-9])([0-9]*)$',
                      '\\1\\2.\\3e-05'
                    )
                  ]
                ),
                1
              ),
              '[.]e',
              'e'
            ),
            TRIM(
              if(
                match(toTypeName(m.ltv), '^(Nullable\\()?DateTime'),
                formatDateTime(accurateCastOrNull(m.ltv, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                toString(m.ltv)
              )
            )
          ),
          ''
        )
      ) LIKE '%e%'
      THEN COALESCE(
        nullIf(
          TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM nullIf(
            if(
              toTypeName(m.ltv) LIKE '%Float%',
              replaceRegexpOne(
                arrayElement(
                  arrayMap(
                    __onesync_0 -> if(
                      match(__onesync_0, '^-?[0-9]{17,21}$'),
                      concat(
                        replaceRegexpOne(TRIM(TRAILING '0' FROM __onesync_0), '^(-?[0-9])', '\\1.'),
                        'e+',
                        toString(minus(length(TRIM(LEADING '-' FROM __onesync_0)), 1))
                      ),
                      __onesync_0
                    ),
                    [
                      replaceRegexpOne(
                        replaceRegexpOne(
                          replaceRegexpOne(
                            replaceRegexpOne(toString(m.ltv), 'e([0-9]+)$', 'e+\\1'),
                            'e([+-])([0-9])$',
                            'e\\10\\2'
                          ),
                          '^(-?)0[.]00000([1-9])([0-9]*)$',
                          '\\1\\2.\\3e-06'
                        ),
                        '^(-?)0[.]0000([1-9])([0-9]*)$',
                        '\\1\\2.\\3e-05'
                      )
                    ]
                  ),
                  1
                ),
                '[.]e',
                'e'
              ),
              TRIM(
                if(
                  match(toTypeName(m.ltv), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.ltv, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.ltv)
                )
              )
            ),
            ''
          ))),
          ''
        ),
        '0'
      )
      ELSE nullIf(
        if(
          toTypeName(m.ltv) LIKE '%Float%',
          replaceRegexpOne(
            arrayElement(
              arrayMap(
                __onesync_0 -> if(
                  match(__onesync_0, '^-?[0-9]{17,21}$'),
                  concat(
                    replaceRegexpOne(TRIM(TRAILING '0' FROM __onesync_0), '^(-?[0-9])', '\\1.'),
                    'e+',
                    toString(minus(length(TRIM(LEADING '-' FROM __onesync_0)), 1))
                  ),
                  __onesync_0
                ),
                [
                  replaceRegexpOne(
                    replaceRegexpOne(
                      replaceRegexpOne(
                        replaceRegexpOne(toString(m.ltv), 'e([0-9]+)$', 'e+\\1'),
                        'e([+-])([0-9])$',
                        'e\\10\\2'
                      ),
                      '^(-?)0[.]00000([1-9])([0-9]*)$',
                      '\\1\\2.\\3e-06'
                    ),
                    '^(-?)0[.]0000([1-9])([0-9]*)$',
                    '\\1\\2.\\3e-05'
                  )
                ]
              ),
              1
            ),
            '[.]e',
            'e'
          ),
          TRIM(
            if(
              match(toTypeName(m.ltv), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.ltv, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.ltv)
            )
          )
        ),
        ''
      )
    END AS tag__ltv,
    m.ltv AS __raw_0,
    arrayElement(
      arrayMap(
        __onesync_6 -> if(
          match(toTypeName(__onesync_6), '^(Nullable\\()?DateTime'),
          formatDateTime(accurateCastOrNull(__onesync_6, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
          toString(__onesync_6)
        ),
        [
          CASE
            WHEN CASE
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '^-?0*[0-9]{1,12}$'
              )
              THEN CAST(TRIM(
                if(
                  match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.last_order_at)
                )
              ) AS Nullable(Int64))
              WHEN NOT match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                9,
                2
              ) AS Nullable(Int32)) <= CASE
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                AND (
                  (
                    CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 4 = 0
                    AND NOT CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 100 = 0
                  )
                  OR CAST(SUBSTRING(
                    TRIM(
                      if(
                        match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.last_order_at)
                      )
                    ),
                    1,
                    4
                  ) AS Nullable(Int32)) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
              )
              THEN minus(
                arrayElement(
                  arrayMap(
                    __onesync_0 -> plus(
                      multiply(
                        plus(
                          toInt64(
                            makeDate32(
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              ),
                              toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                              toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                            )
                          ),
                          multiply(
                            intDiv(
                              minus(
                                toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                                plus(
                                  1900,
                                  positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                                )
                              ),
                              400
                            ),
                            146097
                          )
                        ),
                        86400
                      ),
                      plus(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                        ),
                        if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                      )
                    ),
                    [
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      )
                    ]
                  ),
                  1
                ),
                arrayElement(
                  arrayMap(
                    __onesync_0 -> if(
                      startsWith(replaceAll(__onesync_0, ':', ''), '-'),
                      negate(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                        )
                      ),
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                      )
                    ),
                    [
                      extract(
                        TRIM(
                          if(
                            match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                            formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                            toString(m.last_order_at)
                          )
                        ),
                        '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
                      )
                    ]
                  ),
                  1
                )
              )
              ELSE arrayElement(
                arrayMap(
                  __onesync_0 -> plus(
                    multiply(
                      plus(
                        toInt64(
                          makeDate32(
                            plus(
                              1900,
                              positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                            ),
                            toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                            toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                          )
                        ),
                        multiply(
                          intDiv(
                            minus(
                              toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              )
                            ),
                            400
                          ),
                          146097
                        )
                      ),
                      86400
                    ),
                    plus(
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                      ),
                      if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                    )
                  ),
                  [
                    TRIM(
                      if(
                        match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.last_order_at)
                      )
                    )
                  ]
                ),
                1
              )
            END BETWEEN -62135596800 AND 253402300799
            THEN CASE
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '^-?0*[0-9]{1,12}$'
              )
              THEN CAST(TRIM(
                if(
                  match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.last_order_at)
                )
              ) AS Nullable(Int64))
              WHEN NOT match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                9,
                2
              ) AS Nullable(Int32)) <= CASE
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                AND (
                  (
                    CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 4 = 0
                    AND NOT CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 100 = 0
                  )
                  OR CAST(SUBSTRING(
                    TRIM(
                      if(
                        match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.last_order_at)
                      )
                    ),
                    1,
                    4
                  ) AS Nullable(Int32)) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.last_order_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.last_order_at)
                  )
                ),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
              )
              THEN minus(
                arrayElement(
                  arrayMap(
                    __onesync_0 -> plus(
                      multiply(
                        plus(
                          toInt64(
                            makeDate32(
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              ),
                              toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                              toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                            )
                          ),
                          multiply(
                            intDiv(
                              minus(
                                toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                                plus(
                                  1900,
                                  positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                                )
                              ),
                              400
                            ),
                            146097
                          )
                        ),
                        86400
                      ),
                      plus(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                        ),
                        if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                      )
                    ),
                    [
                      TRIM(
                        if(
                          match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.last_order_at)
                        )
                      )
                    ]
                  ),
                  1
                ),
                arrayElement(
                  arrayMap(
                    __onesync_0 -> if(
                      startsWith(replaceAll(__onesync_0, ':', ''), '-'),
                      negate(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                        )
                      ),
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                      )
                    ),
                    [
                      extract(
                        TRIM(
                          if(
                            match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                            formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                            toString(m.last_order_at)
                          )
                        ),
                        '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
                      )
                    ]
                  ),
                  1
                )
              )
              ELSE arrayElement(
                arrayMap(
                  __onesync_0 -> plus(
                    multiply(
                      plus(
                        toInt64(
                          makeDate32(
                            plus(
                              1900,
                              positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                            ),
                            toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                            toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                          )
                        ),
                        multiply(
                          intDiv(
                            minus(
                              toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              )
                            ),
                            400
                          ),
                          146097
                        )
                      ),
                      86400
                    ),
                    plus(
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                      ),
                      if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                    )
                  ),
                  [
                    TRIM(
                      if(
                        match(toTypeName(m.last_order_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.last_order_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.last_order_at)
                      )
                    )
                  ]
                ),
                1
              )
            END
          END
        ]
      ),
      1
    ) AS tag__last_order_at,
    m.last_order_at AS __raw_1
  FROM (
    SELECT
      id,
      sf_id,
      email,
      phone,
      first_name,
      plan,
      ltv,
      last_order_at
    FROM crm.customers
    WHERE
      deleted_at IS NULL
  ) AS m
) AS n;

-- order_receipt
SELECT
  n.__key,
  n.__external_id,
  n.prop__order_id,
  n.var__first_name,
  n.var__order_id,
  LOWER(
    HEX(
      MD5(
        CASE
          WHEN n.__external_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.__external_id) AS Nullable(String)) || ':' || n.__external_id
        END || CASE
          WHEN n.prop__order_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.prop__order_id) AS Nullable(String)) || ':' || n.prop__order_id
        END || CASE
          WHEN n.var__first_name IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.var__first_name) AS Nullable(String)) || ':' || n.var__first_name
        END || CASE
          WHEN n.var__order_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.var__order_id) AS Nullable(String)) || ':' || n.var__order_id
        END
      )
    )
  ) AS __fingerprint
FROM (
  SELECT
    if(
      match(toTypeName(m.order_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.order_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.order_id)
    ) AS __key,
    if(
      match(toTypeName(m.customer_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.customer_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.customer_id)
    ) AS __external_id,
    if(
      match(toTypeName(m.order_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.order_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.order_id)
    ) AS prop__order_id,
    if(
      match(toTypeName(m.first_name), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.first_name, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.first_name)
    ) AS var__first_name,
    if(
      match(toTypeName(m.order_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.order_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.order_id)
    ) AS var__order_id
  FROM (
    SELECT
      o.order_id,
      o.customer_id,
      c.first_name,
      o.total
    FROM shop.orders AS o
    JOIN crm.customers AS c
      ON c.id = o.customer_id
  ) AS m
) AS n;

-- orders_placed
SELECT
  n.__key,
  n.__external_id,
  n.prop__total,
  n.prop__currency,
  n.__timestamp,
  LOWER(
    HEX(
      MD5(
        CASE
          WHEN n.__external_id IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.__external_id) AS Nullable(String)) || ':' || n.__external_id
        END || CASE
          WHEN n.prop__total IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.prop__total) AS Nullable(String)) || ':' || n.prop__total
        END || CASE
          WHEN n.prop__currency IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.prop__currency) AS Nullable(String)) || ':' || n.prop__currency
        END || CASE
          WHEN n.__timestamp IS NULL
          THEN '~'
          ELSE CAST(CHAR_LENGTH(n.__timestamp) AS Nullable(String)) || ':' || n.__timestamp
        END
      )
    )
  ) AS __fingerprint
FROM (
  SELECT
    if(
      match(toTypeName(m.order_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.order_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.order_id)
    ) AS __key,
    if(
      match(toTypeName(m.customer_id), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.customer_id, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.customer_id)
    ) AS __external_id,
    if(
      match(toTypeName(m.total), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.total, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.total)
    ) AS prop__total,
    if(
      match(toTypeName(m.currency), '^(Nullable\\()?DateTime'),
      formatDateTime(accurateCastOrNull(m.currency, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
      toString(m.currency)
    ) AS prop__currency,
    CASE
      WHEN CASE
        WHEN match(
          TRIM(
            if(
              match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.placed_at)
            )
          ),
          '^-?0*[0-9]{1,12}$'
        )
        THEN CAST(TRIM(
          if(
            match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
            formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
            toString(m.placed_at)
          )
        ) AS Nullable(Int64))
        WHEN NOT match(
          TRIM(
            if(
              match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.placed_at)
            )
          ),
          '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
        )
        THEN NULL
        WHEN NOT CAST(SUBSTRING(
          TRIM(
            if(
              match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.placed_at)
            )
          ),
          9,
          2
        ) AS Nullable(Int32)) <= CASE
          WHEN CAST(SUBSTRING(
            TRIM(
              if(
                match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                toString(m.placed_at)
              )
            ),
            6,
            2
          ) AS Nullable(Int32)) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(
            TRIM(
              if(
                match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                toString(m.placed_at)
              )
            ),
            6,
            2
          ) AS Nullable(Int32)) = 2
          AND (
            (
              CAST(SUBSTRING(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                1,
                4
              ) AS Nullable(Int32)) % 4 = 0
              AND NOT CAST(SUBSTRING(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                1,
                4
              ) AS Nullable(Int32)) % 100 = 0
            )
            OR CAST(SUBSTRING(
              TRIM(
                if(
                  match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.placed_at)
                )
              ),
              1,
              4
            ) AS Nullable(Int32)) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(
            TRIM(
              if(
                match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                toString(m.placed_at)
              )
            ),
            6,
            2
          ) AS Nullable(Int32)) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN match(
          TRIM(
            if(
              match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
              formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
              toString(m.placed_at)
            )
          ),
          '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
        )
        THEN minus(
          arrayElement(
            arrayMap(
              __onesync_0 -> plus(
                multiply(
                  plus(
                    toInt64(
                      makeDate32(
                        plus(
                          1900,
                          positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                        ),
                        toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                        toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                      )
                    ),
                    multiply(
                      intDiv(
                        minus(
                          toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                          plus(
                            1900,
                            positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                          )
                        ),
                        400
                      ),
                      146097
                    )
                  ),
                  86400
                ),
                plus(
                  plus(
                    multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                    multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                  ),
                  if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                )
              ),
              [
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                )
              ]
            ),
            1
          ),
          arrayElement(
            arrayMap(
              __onesync_0 -> if(
                startsWith(replaceAll(__onesync_0, ':', ''), '-'),
                negate(
                  plus(
                    multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                    multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                  )
                ),
                plus(
                  multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                  multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                )
              ),
              [
                extract(
                  TRIM(
                    if(
                      match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.placed_at)
                    )
                  ),
                  '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
                )
              ]
            ),
            1
          )
        )
        ELSE arrayElement(
          arrayMap(
            __onesync_0 -> plus(
              multiply(
                plus(
                  toInt64(
                    makeDate32(
                      plus(
                        1900,
                        positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                      ),
                      toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                      toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                    )
                  ),
                  multiply(
                    intDiv(
                      minus(
                        toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                        plus(
                          1900,
                          positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                        )
                      ),
                      400
                    ),
                    146097
                  )
                ),
                86400
              ),
              plus(
                plus(
                  multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                  multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                ),
                if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
              )
            ),
            [
              TRIM(
                if(
                  match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.placed_at)
                )
              )
            ]
          ),
          1
        )
      END BETWEEN -62135596800 AND 253402300799
      THEN arrayElement(
        arrayMap(
          __onesync_4 -> arrayElement(
            arrayMap(
              __onesync_0 -> concat(
                leftPad(
                  toString(
                    plus(
                      toYear(
                        toDateTime64(
                          minus(arrayElement(__onesync_0, 1), multiply(arrayElement(__onesync_0, 2), 12622780800)),
                          0,
                          'UTC'
                        )
                      ),
                      multiply(arrayElement(__onesync_0, 2), 400)
                    )
                  ),
                  4,
                  '0'
                ),
                formatDateTime(
                  toDateTime64(
                    minus(arrayElement(__onesync_0, 1), multiply(arrayElement(__onesync_0, 2), 12622780800)),
                    0,
                    'UTC'
                  ),
                  '-%m-%dT%H:%i:%SZ',
                  'UTC'
                )
              ),
              [
                [
                  __onesync_4,
                  minus(intDiv(plus(minus(__onesync_4, -2208988800), 63113904000), 12622780800), 5)
                ]
              ]
            ),
            1
          ),
          [
            CASE
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                '^-?0*[0-9]{1,12}$'
              )
              THEN CAST(TRIM(
                if(
                  match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                  formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                  toString(m.placed_at)
                )
              ) AS Nullable(Int64))
              WHEN NOT match(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'
              )
              THEN NULL
              WHEN NOT CAST(SUBSTRING(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                9,
                2
              ) AS Nullable(Int32)) <= CASE
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.placed_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.placed_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                AND (
                  (
                    CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.placed_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 4 = 0
                    AND NOT CAST(SUBSTRING(
                      TRIM(
                        if(
                          match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.placed_at)
                        )
                      ),
                      1,
                      4
                    ) AS Nullable(Int32)) % 100 = 0
                  )
                  OR CAST(SUBSTRING(
                    TRIM(
                      if(
                        match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.placed_at)
                      )
                    ),
                    1,
                    4
                  ) AS Nullable(Int32)) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(
                  TRIM(
                    if(
                      match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                      formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                      toString(m.placed_at)
                    )
                  ),
                  6,
                  2
                ) AS Nullable(Int32)) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN match(
                TRIM(
                  if(
                    match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                    formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                    toString(m.placed_at)
                  )
                ),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
              )
              THEN minus(
                arrayElement(
                  arrayMap(
                    __onesync_0 -> plus(
                      multiply(
                        plus(
                          toInt64(
                            makeDate32(
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              ),
                              toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                              toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                            )
                          ),
                          multiply(
                            intDiv(
                              minus(
                                toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                                plus(
                                  1900,
                                  positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                                )
                              ),
                              400
                            ),
                            146097
                          )
                        ),
                        86400
                      ),
                      plus(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                        ),
                        if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                      )
                    ),
                    [
                      TRIM(
                        if(
                          match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                          formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                          toString(m.placed_at)
                        )
                      )
                    ]
                  ),
                  1
                ),
                arrayElement(
                  arrayMap(
                    __onesync_0 -> if(
                      startsWith(replaceAll(__onesync_0, ':', ''), '-'),
                      negate(
                        plus(
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                          multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                        )
                      ),
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 2, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(replaceAll(__onesync_0, ':', ''), 4, 2)), 60)
                      )
                    ),
                    [
                      extract(
                        TRIM(
                          if(
                            match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                            formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                            toString(m.placed_at)
                          )
                        ),
                        '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$'
                      )
                    ]
                  ),
                  1
                )
              )
              ELSE arrayElement(
                arrayMap(
                  __onesync_0 -> plus(
                    multiply(
                      plus(
                        toInt64(
                          makeDate32(
                            plus(
                              1900,
                              positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                            ),
                            toInt64OrZero(SUBSTRING(__onesync_0, 6, 2)),
                            toInt64OrZero(SUBSTRING(__onesync_0, 9, 2))
                          )
                        ),
                        multiply(
                          intDiv(
                            minus(
                              toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)),
                              plus(
                                1900,
                                positiveModulo(minus(toInt64OrZero(SUBSTRING(__onesync_0, 1, 4)), 1900), 400)
                              )
                            ),
                            400
                          ),
                          146097
                        )
                      ),
                      86400
                    ),
                    plus(
                      plus(
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 12, 2)), 3600),
                        multiply(toInt64OrZero(SUBSTRING(__onesync_0, 15, 2)), 60)
                      ),
                      if(SUBSTRING(__onesync_0, 17, 1) = ':', toInt64OrZero(SUBSTRING(__onesync_0, 18, 2)), 0)
                    )
                  ),
                  [
                    TRIM(
                      if(
                        match(toTypeName(m.placed_at), '^(Nullable\\()?DateTime'),
                        formatDateTime(accurateCastOrNull(m.placed_at, 'DateTime64(6)'), '%Y-%m-%d %H:%i:%S%z'),
                        toString(m.placed_at)
                      )
                    )
                  ]
                ),
                1
              )
            END
          ]
        ),
        1
      )
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

