-- customer_profile
SELECT
  CAST(m.id AS CHAR) AS __key,
  CAST(m.id AS CHAR) AS __external_id,
  CAST(m.sf_id AS CHAR) AS alias__crm_id,
  CAST(m.email AS CHAR) AS sub__email,
  CAST(m.phone AS CHAR) AS sub__sms,
  CAST(m.first_name AS CHAR) AS tag__first_name,
  CAST(m.plan AS CHAR) AS tag__plan,
  CASE
    WHEN NOT REGEXP_INSTR(
      NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
      '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
    ) > 0
    THEN NULL
    WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
    AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
    THEN COALESCE(
      NULLIF(
        TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
        ''
      ),
      '0'
    )
    ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
  END AS tag__ltv,
  CAST(CASE
    WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
    THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
    WHEN NOT REGEXP_INSTR(
      TRIM(CAST(m.last_order_at AS CHAR)),
      '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
    ) > 0
    THEN NULL
    WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
      THEN 30
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
      AND (
        (
          CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
          AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
        )
        OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
      )
      THEN 29
      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
      THEN 28
      ELSE 31
    END
    THEN NULL
    WHEN REGEXP_INSTR(
      TRIM(CAST(m.last_order_at AS CHAR)),
      '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
    ) > 0
    THEN TIMESTAMPDIFF(
      SECOND,
      CAST('1970-01-01 00:00:00' AS DATETIME),
      CONVERT_TZ(
        CAST(LEFT(
          TRIM(CAST(m.last_order_at AS CHAR)),
          CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
            REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
          )
        ) AS DATETIME(6)),
        CASE
          WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
          THEN '+00:00'
          ELSE CONCAT(
            SUBSTRING(
              REPLACE(
                REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                ':',
                ''
              ),
              1,
              3
            ),
            ':',
            CASE
              WHEN CHAR_LENGTH(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                )
              ) = 5
              THEN SUBSTRING(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                4,
                2
              )
              ELSE '00'
            END
          )
        END,
        '+00:00'
      )
    )
    ELSE TIMESTAMPDIFF(
      SECOND,
      CAST('1970-01-01 00:00:00' AS DATETIME),
      CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
    )
  END AS CHAR) AS tag__last_order_at,
  NULLIF(
    CONCAT(
      CASE
        WHEN (
          NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS CHAR)) <> ''
        )
        AND CASE
          WHEN NOT REGEXP_INSTR(
            NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
            '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
          ) > 0
          THEN NULL
          WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
          AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
          THEN COALESCE(
            NULLIF(
              TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
              ''
            ),
            '0'
          )
          ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
        END IS NULL
        THEN 'ltv:number;'
        ELSE ''
      END,
      CASE
        WHEN (
          NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS CHAR)) <> ''
        )
        AND CAST(CASE
          WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
          THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
          WHEN NOT REGEXP_INSTR(
            TRIM(CAST(m.last_order_at AS CHAR)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          ) > 0
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_INSTR(
            TRIM(CAST(m.last_order_at AS CHAR)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          ) > 0
          THEN TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CONVERT_TZ(
              CAST(LEFT(
                TRIM(CAST(m.last_order_at AS CHAR)),
                CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                )
              ) AS DATETIME(6)),
              CASE
                WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                THEN '+00:00'
                ELSE CONCAT(
                  SUBSTRING(
                    REPLACE(
                      REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                      ':',
                      ''
                    ),
                    1,
                    3
                  ),
                  ':',
                  CASE
                    WHEN CHAR_LENGTH(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      )
                    ) = 5
                    THEN SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      4,
                      2
                    )
                    ELSE '00'
                  END
                )
              END,
              '+00:00'
            )
          )
          ELSE TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
          )
        END AS CHAR) IS NULL
        THEN 'last_order_at:unix_time;'
        ELSE ''
      END
    ),
    ''
  ) AS __invalid,
  MD5(
    CONCAT(
      CASE
        WHEN CAST(m.id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.id AS CHAR)) AS CHAR), ':', CAST(m.id AS CHAR))
      END,
      CASE
        WHEN CAST(m.sf_id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.sf_id AS CHAR)) AS CHAR), ':', CAST(m.sf_id AS CHAR))
      END,
      CASE
        WHEN CAST(m.email AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.email AS CHAR)) AS CHAR), ':', CAST(m.email AS CHAR))
      END,
      CASE
        WHEN CAST(m.phone AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.phone AS CHAR)) AS CHAR), ':', CAST(m.phone AS CHAR))
      END,
      CASE
        WHEN CAST(m.first_name AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(CAST(m.first_name AS CHAR)) AS CHAR),
          ':',
          CAST(m.first_name AS CHAR)
        )
      END,
      CASE
        WHEN CAST(m.plan AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.plan AS CHAR)) AS CHAR), ':', CAST(m.plan AS CHAR))
      END,
      CASE
        WHEN CASE
          WHEN NOT REGEXP_INSTR(
            NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
            '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
          ) > 0
          THEN NULL
          WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
          AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
          THEN COALESCE(
            NULLIF(
              TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
              ''
            ),
            '0'
          )
          ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
        END IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(
            CASE
              WHEN NOT REGEXP_INSTR(
                NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
                '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
              ) > 0
              THEN NULL
              WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
              AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
              THEN COALESCE(
                NULLIF(
                  TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
                  ''
                ),
                '0'
              )
              ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
            END
          ) AS CHAR),
          ':',
          CASE
            WHEN NOT REGEXP_INSTR(
              NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
              '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
            ) > 0
            THEN NULL
            WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
            AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
            THEN COALESCE(
              NULLIF(
                TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
                ''
              ),
              '0'
            )
            ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
          END
        )
      END,
      CASE
        WHEN CAST(CASE
          WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
          THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
          WHEN NOT REGEXP_INSTR(
            TRIM(CAST(m.last_order_at AS CHAR)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          ) > 0
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_INSTR(
            TRIM(CAST(m.last_order_at AS CHAR)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          ) > 0
          THEN TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CONVERT_TZ(
              CAST(LEFT(
                TRIM(CAST(m.last_order_at AS CHAR)),
                CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                )
              ) AS DATETIME(6)),
              CASE
                WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                THEN '+00:00'
                ELSE CONCAT(
                  SUBSTRING(
                    REPLACE(
                      REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                      ':',
                      ''
                    ),
                    1,
                    3
                  ),
                  ':',
                  CASE
                    WHEN CHAR_LENGTH(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      )
                    ) = 5
                    THEN SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      4,
                      2
                    )
                    ELSE '00'
                  END
                )
              END,
              '+00:00'
            )
          )
          ELSE TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
          )
        END AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(
            CAST(CASE
              WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
              THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
              WHEN NOT REGEXP_INSTR(
                TRIM(CAST(m.last_order_at AS CHAR)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
              ) > 0
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_INSTR(
                TRIM(CAST(m.last_order_at AS CHAR)),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              ) > 0
              THEN TIMESTAMPDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS DATETIME),
                CONVERT_TZ(
                  CAST(LEFT(
                    TRIM(CAST(m.last_order_at AS CHAR)),
                    CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                      REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                    )
                  ) AS DATETIME(6)),
                  CASE
                    WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                    THEN '+00:00'
                    ELSE CONCAT(
                      SUBSTRING(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        ),
                        1,
                        3
                      ),
                      ':',
                      CASE
                        WHEN CHAR_LENGTH(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          )
                        ) = 5
                        THEN SUBSTRING(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          ),
                          4,
                          2
                        )
                        ELSE '00'
                      END
                    )
                  END,
                  '+00:00'
                )
              )
              ELSE TIMESTAMPDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS DATETIME),
                CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
              )
            END AS CHAR)
          ) AS CHAR),
          ':',
          CAST(CASE
            WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
            THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
            WHEN NOT REGEXP_INSTR(
              TRIM(CAST(m.last_order_at AS CHAR)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
            ) > 0
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_INSTR(
              TRIM(CAST(m.last_order_at AS CHAR)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            ) > 0
            THEN TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CONVERT_TZ(
                CAST(LEFT(
                  TRIM(CAST(m.last_order_at AS CHAR)),
                  CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                    REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                  )
                ) AS DATETIME(6)),
                CASE
                  WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                  THEN '+00:00'
                  ELSE CONCAT(
                    SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      1,
                      3
                    ),
                    ':',
                    CASE
                      WHEN CHAR_LENGTH(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        )
                      ) = 5
                      THEN SUBSTRING(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        ),
                        4,
                        2
                      )
                      ELSE '00'
                    END
                  )
                END,
                '+00:00'
              )
            )
            ELSE TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
            )
          END AS CHAR)
        )
      END,
      CASE
        WHEN NULLIF(
          CONCAT(
            CASE
              WHEN (
                NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS CHAR)) <> ''
              )
              AND CASE
                WHEN NOT REGEXP_INSTR(
                  NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
                  '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                ) > 0
                THEN NULL
                WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
                AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
                THEN COALESCE(
                  NULLIF(
                    TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
                    ''
                  ),
                  '0'
                )
                ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
              END IS NULL
              THEN 'ltv:number;'
              ELSE ''
            END,
            CASE
              WHEN (
                NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS CHAR)) <> ''
              )
              AND CAST(CASE
                WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
                THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
                WHEN NOT REGEXP_INSTR(
                  TRIM(CAST(m.last_order_at AS CHAR)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                ) > 0
                THEN NULL
                WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                  THEN 30
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  AND (
                    (
                      CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                      AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                    )
                    OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                  )
                  THEN 29
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  THEN 28
                  ELSE 31
                END
                THEN NULL
                WHEN REGEXP_INSTR(
                  TRIM(CAST(m.last_order_at AS CHAR)),
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                ) > 0
                THEN TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CONVERT_TZ(
                    CAST(LEFT(
                      TRIM(CAST(m.last_order_at AS CHAR)),
                      CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                        REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                      )
                    ) AS DATETIME(6)),
                    CASE
                      WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                      THEN '+00:00'
                      ELSE CONCAT(
                        SUBSTRING(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          ),
                          1,
                          3
                        ),
                        ':',
                        CASE
                          WHEN CHAR_LENGTH(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            )
                          ) = 5
                          THEN SUBSTRING(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            ),
                            4,
                            2
                          )
                          ELSE '00'
                        END
                      )
                    END,
                    '+00:00'
                  )
                )
                ELSE TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
                )
              END AS CHAR) IS NULL
              THEN 'last_order_at:unix_time;'
              ELSE ''
            END
          ),
          ''
        ) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(
            NULLIF(
              CONCAT(
                CASE
                  WHEN (
                    NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS CHAR)) <> ''
                  )
                  AND CASE
                    WHEN NOT REGEXP_INSTR(
                      NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
                      '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                    ) > 0
                    THEN NULL
                    WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
                    AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
                    THEN COALESCE(
                      NULLIF(
                        TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
                        ''
                      ),
                      '0'
                    )
                    ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
                  END IS NULL
                  THEN 'ltv:number;'
                  ELSE ''
                END,
                CASE
                  WHEN (
                    NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS CHAR)) <> ''
                  )
                  AND CAST(CASE
                    WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
                    THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
                    WHEN NOT REGEXP_INSTR(
                      TRIM(CAST(m.last_order_at AS CHAR)),
                      '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                    ) > 0
                    THEN NULL
                    WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                      THEN 30
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                      AND (
                        (
                          CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                          AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                        )
                        OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                      )
                      THEN 29
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                      THEN 28
                      ELSE 31
                    END
                    THEN NULL
                    WHEN REGEXP_INSTR(
                      TRIM(CAST(m.last_order_at AS CHAR)),
                      '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                    ) > 0
                    THEN TIMESTAMPDIFF(
                      SECOND,
                      CAST('1970-01-01 00:00:00' AS DATETIME),
                      CONVERT_TZ(
                        CAST(LEFT(
                          TRIM(CAST(m.last_order_at AS CHAR)),
                          CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                            REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                          )
                        ) AS DATETIME(6)),
                        CASE
                          WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                          THEN '+00:00'
                          ELSE CONCAT(
                            SUBSTRING(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              ),
                              1,
                              3
                            ),
                            ':',
                            CASE
                              WHEN CHAR_LENGTH(
                                REPLACE(
                                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                  ':',
                                  ''
                                )
                              ) = 5
                              THEN SUBSTRING(
                                REPLACE(
                                  REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                  ':',
                                  ''
                                ),
                                4,
                                2
                              )
                              ELSE '00'
                            END
                          )
                        END,
                        '+00:00'
                      )
                    )
                    ELSE TIMESTAMPDIFF(
                      SECOND,
                      CAST('1970-01-01 00:00:00' AS DATETIME),
                      CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
                    )
                  END AS CHAR) IS NULL
                  THEN 'last_order_at:unix_time;'
                  ELSE ''
                END
              ),
              ''
            )
          ) AS CHAR),
          ':',
          NULLIF(
            CONCAT(
              CASE
                WHEN (
                  NOT m.ltv IS NULL AND TRIM(CAST(m.ltv AS CHAR)) <> ''
                )
                AND CASE
                  WHEN NOT REGEXP_INSTR(
                    NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''),
                    '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                  ) > 0
                  THEN NULL
                  WHEN NULLIF(TRIM(CAST(m.ltv AS CHAR)), '') LIKE '%.%'
                  AND NOT LOWER(NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')) LIKE '%e%'
                  THEN COALESCE(
                    NULLIF(
                      TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(TRIM(CAST(m.ltv AS CHAR)), ''))),
                      ''
                    ),
                    '0'
                  )
                  ELSE NULLIF(TRIM(CAST(m.ltv AS CHAR)), '')
                END IS NULL
                THEN 'ltv:number;'
                ELSE ''
              END,
              CASE
                WHEN (
                  NOT m.last_order_at IS NULL AND TRIM(CAST(m.last_order_at AS CHAR)) <> ''
                )
                AND CAST(CASE
                  WHEN REGEXP_INSTR(TRIM(CAST(m.last_order_at AS CHAR)), '^-?[0-9]+$') > 0
                  THEN CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS SIGNED)
                  WHEN NOT REGEXP_INSTR(
                    TRIM(CAST(m.last_order_at AS CHAR)),
                    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                  ) > 0
                  THEN NULL
                  WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                    THEN 30
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                    AND (
                      (
                        CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                        AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                      )
                      OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                    )
                    THEN 29
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS CHAR)), 6, 2) AS SIGNED) = 2
                    THEN 28
                    ELSE 31
                  END
                  THEN NULL
                  WHEN REGEXP_INSTR(
                    TRIM(CAST(m.last_order_at AS CHAR)),
                    '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                  ) > 0
                  THEN TIMESTAMPDIFF(
                    SECOND,
                    CAST('1970-01-01 00:00:00' AS DATETIME),
                    CONVERT_TZ(
                      CAST(LEFT(
                        TRIM(CAST(m.last_order_at AS CHAR)),
                        CHAR_LENGTH(TRIM(CAST(m.last_order_at AS CHAR))) - CHAR_LENGTH(
                          REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                        )
                      ) AS DATETIME(6)),
                      CASE
                        WHEN REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                        THEN '+00:00'
                        ELSE CONCAT(
                          SUBSTRING(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            ),
                            1,
                            3
                          ),
                          ':',
                          CASE
                            WHEN CHAR_LENGTH(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              )
                            ) = 5
                            THEN SUBSTRING(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.last_order_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              ),
                              4,
                              2
                            )
                            ELSE '00'
                          END
                        )
                      END,
                      '+00:00'
                    )
                  )
                  ELSE TIMESTAMPDIFF(
                    SECOND,
                    CAST('1970-01-01 00:00:00' AS DATETIME),
                    CAST(TRIM(CAST(m.last_order_at AS CHAR)) AS DATETIME(6))
                  )
                END AS CHAR) IS NULL
                THEN 'last_order_at:unix_time;'
                ELSE ''
              END
            ),
            ''
          )
        )
      END
    )
  ) AS __fingerprint
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
) AS m;

-- order_receipt
SELECT
  CAST(m.order_id AS CHAR) AS __key,
  CAST(m.customer_id AS CHAR) AS __external_id,
  CAST(m.order_id AS CHAR) AS prop__order_id,
  CAST(m.first_name AS CHAR) AS var__first_name,
  CAST(m.order_id AS CHAR) AS var__order_id,
  MD5(
    CONCAT(
      CASE
        WHEN CAST(m.customer_id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(CAST(m.customer_id AS CHAR)) AS CHAR),
          ':',
          CAST(m.customer_id AS CHAR)
        )
      END,
      CASE
        WHEN CAST(m.order_id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.order_id AS CHAR)) AS CHAR), ':', CAST(m.order_id AS CHAR))
      END,
      CASE
        WHEN CAST(m.first_name AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(CAST(m.first_name AS CHAR)) AS CHAR),
          ':',
          CAST(m.first_name AS CHAR)
        )
      END,
      CASE
        WHEN CAST(m.order_id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.order_id AS CHAR)) AS CHAR), ':', CAST(m.order_id AS CHAR))
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    o.order_id,
    o.customer_id,
    c.first_name,
    o.total
  FROM shop.orders AS o
  JOIN crm.customers AS c
    ON c.id = o.customer_id
) AS m;

-- orders_placed
SELECT
  CAST(m.order_id AS CHAR) AS __key,
  CAST(m.customer_id AS CHAR) AS __external_id,
  CAST(m.total AS CHAR) AS prop__total,
  CAST(m.currency AS CHAR) AS prop__currency,
  CASE
    WHEN CASE
      WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
      THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
      WHEN NOT REGEXP_INSTR(
        TRIM(CAST(m.placed_at AS CHAR)),
        '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
      ) > 0
      THEN NULL
      WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
        THEN 30
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
        AND (
          (
            CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
            AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
          )
          OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
        )
        THEN 29
        WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
        THEN 28
        ELSE 31
      END
      THEN NULL
      WHEN REGEXP_INSTR(
        TRIM(CAST(m.placed_at AS CHAR)),
        '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
      ) > 0
      THEN TIMESTAMPDIFF(
        SECOND,
        CAST('1970-01-01 00:00:00' AS DATETIME),
        CONVERT_TZ(
          CAST(LEFT(
            TRIM(CAST(m.placed_at AS CHAR)),
            CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
            )
          ) AS DATETIME(6)),
          CASE
            WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
            THEN '+00:00'
            ELSE CONCAT(
              SUBSTRING(
                REPLACE(
                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                  ':',
                  ''
                ),
                1,
                3
              ),
              ':',
              CASE
                WHEN CHAR_LENGTH(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  )
                ) = 5
                THEN SUBSTRING(
                  REPLACE(
                    REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                    ':',
                    ''
                  ),
                  4,
                  2
                )
                ELSE '00'
              END
            )
          END,
          '+00:00'
        )
      )
      ELSE TIMESTAMPDIFF(
        SECOND,
        CAST('1970-01-01 00:00:00' AS DATETIME),
        CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
      )
    END IS NULL
    THEN NULL
    ELSE DATE_FORMAT(
      DATE_ADD(
        CAST('1970-01-01 00:00:00' AS DATETIME),
        INTERVAL (CASE
          WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
          THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
          WHEN NOT REGEXP_INSTR(
            TRIM(CAST(m.placed_at AS CHAR)),
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
          ) > 0
          THEN NULL
          WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
            THEN 30
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
            AND (
              (
                CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
              )
              OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
            )
            THEN 29
            WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
            THEN 28
            ELSE 31
          END
          THEN NULL
          WHEN REGEXP_INSTR(
            TRIM(CAST(m.placed_at AS CHAR)),
            '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
          ) > 0
          THEN TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CONVERT_TZ(
              CAST(LEFT(
                TRIM(CAST(m.placed_at AS CHAR)),
                CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                )
              ) AS DATETIME(6)),
              CASE
                WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                THEN '+00:00'
                ELSE CONCAT(
                  SUBSTRING(
                    REPLACE(
                      REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                      ':',
                      ''
                    ),
                    1,
                    3
                  ),
                  ':',
                  CASE
                    WHEN CHAR_LENGTH(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      )
                    ) = 5
                    THEN SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      4,
                      2
                    )
                    ELSE '00'
                  END
                )
              END,
              '+00:00'
            )
          )
          ELSE TIMESTAMPDIFF(
            SECOND,
            CAST('1970-01-01 00:00:00' AS DATETIME),
            CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
          )
        END) SECOND
      ),
      '%Y-%m-%dT%H:%i:%sZ'
    )
  END AS __timestamp,
  MD5(
    CONCAT(
      CASE
        WHEN CAST(m.customer_id AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(CAST(m.customer_id AS CHAR)) AS CHAR),
          ':',
          CAST(m.customer_id AS CHAR)
        )
      END,
      CASE
        WHEN CAST(m.total AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.total AS CHAR)) AS CHAR), ':', CAST(m.total AS CHAR))
      END,
      CASE
        WHEN CAST(m.currency AS CHAR) IS NULL
        THEN '~'
        ELSE CONCAT(CAST(CHAR_LENGTH(CAST(m.currency AS CHAR)) AS CHAR), ':', CAST(m.currency AS CHAR))
      END,
      CASE
        WHEN CASE
          WHEN CASE
            WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
            THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
            WHEN NOT REGEXP_INSTR(
              TRIM(CAST(m.placed_at AS CHAR)),
              '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
            ) > 0
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN REGEXP_INSTR(
              TRIM(CAST(m.placed_at AS CHAR)),
              '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            ) > 0
            THEN TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CONVERT_TZ(
                CAST(LEFT(
                  TRIM(CAST(m.placed_at AS CHAR)),
                  CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                    REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                  )
                ) AS DATETIME(6)),
                CASE
                  WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                  THEN '+00:00'
                  ELSE CONCAT(
                    SUBSTRING(
                      REPLACE(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                        ':',
                        ''
                      ),
                      1,
                      3
                    ),
                    ':',
                    CASE
                      WHEN CHAR_LENGTH(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        )
                      ) = 5
                      THEN SUBSTRING(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        ),
                        4,
                        2
                      )
                      ELSE '00'
                    END
                  )
                END,
                '+00:00'
              )
            )
            ELSE TIMESTAMPDIFF(
              SECOND,
              CAST('1970-01-01 00:00:00' AS DATETIME),
              CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
            )
          END IS NULL
          THEN NULL
          ELSE DATE_FORMAT(
            DATE_ADD(
              CAST('1970-01-01 00:00:00' AS DATETIME),
              INTERVAL (CASE
                WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
                THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
                WHEN NOT REGEXP_INSTR(
                  TRIM(CAST(m.placed_at AS CHAR)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                ) > 0
                THEN NULL
                WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                  THEN 30
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  AND (
                    (
                      CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                      AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                    )
                    OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                  )
                  THEN 29
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  THEN 28
                  ELSE 31
                END
                THEN NULL
                WHEN REGEXP_INSTR(
                  TRIM(CAST(m.placed_at AS CHAR)),
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                ) > 0
                THEN TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CONVERT_TZ(
                    CAST(LEFT(
                      TRIM(CAST(m.placed_at AS CHAR)),
                      CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                      )
                    ) AS DATETIME(6)),
                    CASE
                      WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                      THEN '+00:00'
                      ELSE CONCAT(
                        SUBSTRING(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          ),
                          1,
                          3
                        ),
                        ':',
                        CASE
                          WHEN CHAR_LENGTH(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            )
                          ) = 5
                          THEN SUBSTRING(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            ),
                            4,
                            2
                          )
                          ELSE '00'
                        END
                      )
                    END,
                    '+00:00'
                  )
                )
                ELSE TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
                )
              END) SECOND
            ),
            '%Y-%m-%dT%H:%i:%sZ'
          )
        END IS NULL
        THEN '~'
        ELSE CONCAT(
          CAST(CHAR_LENGTH(
            CASE
              WHEN CASE
                WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
                THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
                WHEN NOT REGEXP_INSTR(
                  TRIM(CAST(m.placed_at AS CHAR)),
                  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                ) > 0
                THEN NULL
                WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                  THEN 30
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  AND (
                    (
                      CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                      AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                    )
                    OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                  )
                  THEN 29
                  WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                  THEN 28
                  ELSE 31
                END
                THEN NULL
                WHEN REGEXP_INSTR(
                  TRIM(CAST(m.placed_at AS CHAR)),
                  '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                ) > 0
                THEN TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CONVERT_TZ(
                    CAST(LEFT(
                      TRIM(CAST(m.placed_at AS CHAR)),
                      CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                        REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                      )
                    ) AS DATETIME(6)),
                    CASE
                      WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                      THEN '+00:00'
                      ELSE CONCAT(
                        SUBSTRING(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          ),
                          1,
                          3
                        ),
                        ':',
                        CASE
                          WHEN CHAR_LENGTH(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            )
                          ) = 5
                          THEN SUBSTRING(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            ),
                            4,
                            2
                          )
                          ELSE '00'
                        END
                      )
                    END,
                    '+00:00'
                  )
                )
                ELSE TIMESTAMPDIFF(
                  SECOND,
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
                )
              END IS NULL
              THEN NULL
              ELSE DATE_FORMAT(
                DATE_ADD(
                  CAST('1970-01-01 00:00:00' AS DATETIME),
                  INTERVAL (CASE
                    WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
                    THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
                    WHEN NOT REGEXP_INSTR(
                      TRIM(CAST(m.placed_at AS CHAR)),
                      '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                    ) > 0
                    THEN NULL
                    WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                      THEN 30
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                      AND (
                        (
                          CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                          AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                        )
                        OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                      )
                      THEN 29
                      WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                      THEN 28
                      ELSE 31
                    END
                    THEN NULL
                    WHEN REGEXP_INSTR(
                      TRIM(CAST(m.placed_at AS CHAR)),
                      '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                    ) > 0
                    THEN TIMESTAMPDIFF(
                      SECOND,
                      CAST('1970-01-01 00:00:00' AS DATETIME),
                      CONVERT_TZ(
                        CAST(LEFT(
                          TRIM(CAST(m.placed_at AS CHAR)),
                          CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                            REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                          )
                        ) AS DATETIME(6)),
                        CASE
                          WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                          THEN '+00:00'
                          ELSE CONCAT(
                            SUBSTRING(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              ),
                              1,
                              3
                            ),
                            ':',
                            CASE
                              WHEN CHAR_LENGTH(
                                REPLACE(
                                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                  ':',
                                  ''
                                )
                              ) = 5
                              THEN SUBSTRING(
                                REPLACE(
                                  REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                  ':',
                                  ''
                                ),
                                4,
                                2
                              )
                              ELSE '00'
                            END
                          )
                        END,
                        '+00:00'
                      )
                    )
                    ELSE TIMESTAMPDIFF(
                      SECOND,
                      CAST('1970-01-01 00:00:00' AS DATETIME),
                      CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
                    )
                  END) SECOND
                ),
                '%Y-%m-%dT%H:%i:%sZ'
              )
            END
          ) AS CHAR),
          ':',
          CASE
            WHEN CASE
              WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
              THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
              WHEN NOT REGEXP_INSTR(
                TRIM(CAST(m.placed_at AS CHAR)),
                '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
              ) > 0
              THEN NULL
              WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                THEN 30
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                AND (
                  (
                    CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                    AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                  )
                  OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                )
                THEN 29
                WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                THEN 28
                ELSE 31
              END
              THEN NULL
              WHEN REGEXP_INSTR(
                TRIM(CAST(m.placed_at AS CHAR)),
                '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
              ) > 0
              THEN TIMESTAMPDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS DATETIME),
                CONVERT_TZ(
                  CAST(LEFT(
                    TRIM(CAST(m.placed_at AS CHAR)),
                    CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                      REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                    )
                  ) AS DATETIME(6)),
                  CASE
                    WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                    THEN '+00:00'
                    ELSE CONCAT(
                      SUBSTRING(
                        REPLACE(
                          REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                          ':',
                          ''
                        ),
                        1,
                        3
                      ),
                      ':',
                      CASE
                        WHEN CHAR_LENGTH(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          )
                        ) = 5
                        THEN SUBSTRING(
                          REPLACE(
                            REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                            ':',
                            ''
                          ),
                          4,
                          2
                        )
                        ELSE '00'
                      END
                    )
                  END,
                  '+00:00'
                )
              )
              ELSE TIMESTAMPDIFF(
                SECOND,
                CAST('1970-01-01 00:00:00' AS DATETIME),
                CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
              )
            END IS NULL
            THEN NULL
            ELSE DATE_FORMAT(
              DATE_ADD(
                CAST('1970-01-01 00:00:00' AS DATETIME),
                INTERVAL (CASE
                  WHEN REGEXP_INSTR(TRIM(CAST(m.placed_at AS CHAR)), '^-?[0-9]+$') > 0
                  THEN CAST(TRIM(CAST(m.placed_at AS CHAR)) AS SIGNED)
                  WHEN NOT REGEXP_INSTR(
                    TRIM(CAST(m.placed_at AS CHAR)),
                    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'
                  ) > 0
                  THEN NULL
                  WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 9, 2) AS SIGNED) <= CASE
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) IN (4, 6, 9, 11)
                    THEN 30
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                    AND (
                      (
                        CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 4 = 0
                        AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 100 = 0
                      )
                      OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 1, 4) AS SIGNED) % 400 = 0
                    )
                    THEN 29
                    WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS CHAR)), 6, 2) AS SIGNED) = 2
                    THEN 28
                    ELSE 31
                  END
                  THEN NULL
                  WHEN REGEXP_INSTR(
                    TRIM(CAST(m.placed_at AS CHAR)),
                    '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                  ) > 0
                  THEN TIMESTAMPDIFF(
                    SECOND,
                    CAST('1970-01-01 00:00:00' AS DATETIME),
                    CONVERT_TZ(
                      CAST(LEFT(
                        TRIM(CAST(m.placed_at AS CHAR)),
                        CHAR_LENGTH(TRIM(CAST(m.placed_at AS CHAR))) - CHAR_LENGTH(
                          REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
                        )
                      ) AS DATETIME(6)),
                      CASE
                        WHEN REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') = 'Z'
                        THEN '+00:00'
                        ELSE CONCAT(
                          SUBSTRING(
                            REPLACE(
                              REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                              ':',
                              ''
                            ),
                            1,
                            3
                          ),
                          ':',
                          CASE
                            WHEN CHAR_LENGTH(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              )
                            ) = 5
                            THEN SUBSTRING(
                              REPLACE(
                                REGEXP_SUBSTR(TRIM(CAST(m.placed_at AS CHAR)), '(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'),
                                ':',
                                ''
                              ),
                              4,
                              2
                            )
                            ELSE '00'
                          END
                        )
                      END,
                      '+00:00'
                    )
                  )
                  ELSE TIMESTAMPDIFF(
                    SECOND,
                    CAST('1970-01-01 00:00:00' AS DATETIME),
                    CAST(TRIM(CAST(m.placed_at AS CHAR)) AS DATETIME(6))
                  )
                END) SECOND
              ),
              '%Y-%m-%dT%H:%i:%sZ'
            )
          END
        )
      END
    )
  ) AS __fingerprint
FROM (
  SELECT
    *
  FROM shop.orders
) AS m;

