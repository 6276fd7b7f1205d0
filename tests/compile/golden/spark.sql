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
  NULLIF(
    CASE
      WHEN (
        NOT n.__raw_0 IS NULL AND TRIM(CAST(n.__raw_0 AS STRING)) <> ''
      )
      AND n.tag__ltv IS NULL
      THEN 'ltv:number;'
      ELSE ''
    END || CASE
      WHEN (
        NOT n.__raw_1 IS NULL AND TRIM(CAST(n.__raw_1 AS STRING)) <> ''
      )
      AND n.tag__last_order_at IS NULL
      THEN 'last_order_at:unix_time;'
      ELSE ''
    END,
    ''
  ) AS __invalid,
  MD5(
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
    END || CASE
      WHEN n.alias__crm_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.alias__crm_id) AS STRING) || ':' || n.alias__crm_id
    END || CASE
      WHEN n.sub__email IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__email) AS STRING) || ':' || n.sub__email
    END || CASE
      WHEN n.sub__sms IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.sub__sms) AS STRING) || ':' || n.sub__sms
    END || CASE
      WHEN n.tag__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__first_name) AS STRING) || ':' || n.tag__first_name
    END || CASE
      WHEN n.tag__plan IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__plan) AS STRING) || ':' || n.tag__plan
    END || CASE
      WHEN n.tag__ltv IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__ltv) AS STRING) || ':' || n.tag__ltv
    END || CASE
      WHEN n.tag__last_order_at IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.tag__last_order_at) AS STRING) || ':' || n.tag__last_order_at
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.id AS STRING) AS __key,
    CAST(m.id AS STRING) AS __external_id,
    CAST(m.sf_id AS STRING) AS alias__crm_id,
    CAST(m.email AS STRING) AS sub__email,
    CAST(m.phone AS STRING) AS sub__sms,
    CAST(m.first_name AS STRING) AS tag__first_name,
    CAST(m.plan AS STRING) AS tag__plan,
    CASE
      WHEN NOT NULLIF(
        CASE
          WHEN TYPEOF(m.ltv) = 'double'
          THEN CASE
            WHEN NOT CAST(m.ltv AS STRING) RLIKE 'E'
            THEN CAST(m.ltv AS STRING)
            ELSE ELEMENT_AT(
              TRANSFORM(
                ARRAY(CAST(m.ltv AS STRING)),
                onesync_1 -> CASE
                  WHEN onesync_1 RLIKE 'E1[6-8]\\z'
                  AND NOT TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT) IS NULL
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(
                        REGEXP_REPLACE(
                          ELEMENT_AT(
                            TRANSFORM(
                              ARRAY(
                                ELEMENT_AT(
                                  TRANSFORM(
                                    ARRAY(TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT)),
                                    onesync_2 -> STRUCT(
                                      TRY_CAST(CONCAT(
                                        CASE WHEN onesync_2 < 0 THEN '-' ELSE '' END,
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 1, 1),
                                        '.',
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 2)
                                      ) AS DECIMAL(38, 20)) AS m,
                                      LENGTH(REPLACE(CAST(onesync_2 AS STRING), '-', '')) - 1 AS p
                                    )
                                  ),
                                  1
                                )
                              ),
                              onesync_2 -> COALESCE(
                                TRY_ELEMENT_AT(
                                  FILTER(
                                    TRANSFORM(
                                      ARRAY(ROUND(onesync_2.m, 14), ROUND(onesync_2.m, 15), ROUND(onesync_2.m, 16)),
                                      onesync_3 -> CASE
                                        WHEN ABS(onesync_3) >= 10
                                        THEN CONCAT(CASE WHEN onesync_3 < 0 THEN '-1E' ELSE '1E' END, CAST(onesync_2.p + 1 AS STRING))
                                        ELSE CONCAT(CAST(onesync_3 AS STRING), 'E', CAST(onesync_2.p AS STRING))
                                      END
                                    ),
                                    onesync_3 -> CAST(TRY_CAST(onesync_3 AS DOUBLE) AS STRING) = onesync_1
                                  ),
                                  1
                                ),
                                onesync_1
                              )
                            ),
                            1
                          ),
                          '[.]?0*[eE]',
                          'E'
                        ),
                        'E([+-]?)([0-9])$',
                        'E$10$2'
                      ),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  WHEN onesync_1 RLIKE 'E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(REGEXP_REPLACE(onesync_1, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  ELSE CAST(TRY_CAST(onesync_1 AS DECIMAL(38, 20)) AS STRING)
                END
              ),
              1
            )
          END
          WHEN TYPEOF(m.ltv) = 'float'
          THEN ELEMENT_AT(
            TRANSFORM(
              ARRAY(CAST(m.ltv AS STRING)),
              onesync_1 -> CASE
                WHEN onesync_1 = '-0.0'
                THEN onesync_1
                ELSE ELEMENT_AT(
                  TRANSFORM(
                    ARRAY(
                      COALESCE(
                        TRY_ELEMENT_AT(
                          FILTER(
                            ARRAY(
                              FORMAT_STRING('%.5e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.6e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.7e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.8e', TRY_CAST(onesync_1 AS FLOAT))
                            ),
                            onesync_2 -> CAST(TRY_CAST(onesync_2 AS FLOAT) AS STRING) = onesync_1
                          ),
                          1
                        ),
                        onesync_1
                      )
                    ),
                    onesync_2 -> CASE
                      WHEN onesync_2 RLIKE 'e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                      THEN REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(REGEXP_REPLACE(onesync_2, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                          'E[+]?([0-9])',
                          'e+$1'
                        ),
                        'E-',
                        'e-'
                      )
                      ELSE CAST(TRY_CAST(onesync_2 AS DECIMAL(38, 20)) AS STRING)
                    END
                  ),
                  1
                )
              END
            ),
            1
          )
          ELSE TRIM(CAST(m.ltv AS STRING))
        END,
        ''
      ) RLIKE '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?\\z'
      THEN NULL
      WHEN NULLIF(
        CASE
          WHEN TYPEOF(m.ltv) = 'double'
          THEN CASE
            WHEN NOT CAST(m.ltv AS STRING) RLIKE 'E'
            THEN CAST(m.ltv AS STRING)
            ELSE ELEMENT_AT(
              TRANSFORM(
                ARRAY(CAST(m.ltv AS STRING)),
                onesync_1 -> CASE
                  WHEN onesync_1 RLIKE 'E1[6-8]\\z'
                  AND NOT TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT) IS NULL
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(
                        REGEXP_REPLACE(
                          ELEMENT_AT(
                            TRANSFORM(
                              ARRAY(
                                ELEMENT_AT(
                                  TRANSFORM(
                                    ARRAY(TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT)),
                                    onesync_2 -> STRUCT(
                                      TRY_CAST(CONCAT(
                                        CASE WHEN onesync_2 < 0 THEN '-' ELSE '' END,
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 1, 1),
                                        '.',
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 2)
                                      ) AS DECIMAL(38, 20)) AS m,
                                      LENGTH(REPLACE(CAST(onesync_2 AS STRING), '-', '')) - 1 AS p
                                    )
                                  ),
                                  1
                                )
                              ),
                              onesync_2 -> COALESCE(
                                TRY_ELEMENT_AT(
                                  FILTER(
                                    TRANSFORM(
                                      ARRAY(ROUND(onesync_2.m, 14), ROUND(onesync_2.m, 15), ROUND(onesync_2.m, 16)),
                                      onesync_3 -> CASE
                                        WHEN ABS(onesync_3) >= 10
                                        THEN CONCAT(CASE WHEN onesync_3 < 0 THEN '-1E' ELSE '1E' END, CAST(onesync_2.p + 1 AS STRING))
                                        ELSE CONCAT(CAST(onesync_3 AS STRING), 'E', CAST(onesync_2.p AS STRING))
                                      END
                                    ),
                                    onesync_3 -> CAST(TRY_CAST(onesync_3 AS DOUBLE) AS STRING) = onesync_1
                                  ),
                                  1
                                ),
                                onesync_1
                              )
                            ),
                            1
                          ),
                          '[.]?0*[eE]',
                          'E'
                        ),
                        'E([+-]?)([0-9])$',
                        'E$10$2'
                      ),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  WHEN onesync_1 RLIKE 'E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(REGEXP_REPLACE(onesync_1, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  ELSE CAST(TRY_CAST(onesync_1 AS DECIMAL(38, 20)) AS STRING)
                END
              ),
              1
            )
          END
          WHEN TYPEOF(m.ltv) = 'float'
          THEN ELEMENT_AT(
            TRANSFORM(
              ARRAY(CAST(m.ltv AS STRING)),
              onesync_1 -> CASE
                WHEN onesync_1 = '-0.0'
                THEN onesync_1
                ELSE ELEMENT_AT(
                  TRANSFORM(
                    ARRAY(
                      COALESCE(
                        TRY_ELEMENT_AT(
                          FILTER(
                            ARRAY(
                              FORMAT_STRING('%.5e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.6e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.7e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.8e', TRY_CAST(onesync_1 AS FLOAT))
                            ),
                            onesync_2 -> CAST(TRY_CAST(onesync_2 AS FLOAT) AS STRING) = onesync_1
                          ),
                          1
                        ),
                        onesync_1
                      )
                    ),
                    onesync_2 -> CASE
                      WHEN onesync_2 RLIKE 'e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                      THEN REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(REGEXP_REPLACE(onesync_2, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                          'E[+]?([0-9])',
                          'e+$1'
                        ),
                        'E-',
                        'e-'
                      )
                      ELSE CAST(TRY_CAST(onesync_2 AS DECIMAL(38, 20)) AS STRING)
                    END
                  ),
                  1
                )
              END
            ),
            1
          )
          ELSE TRIM(CAST(m.ltv AS STRING))
        END,
        ''
      ) LIKE '%.%'
      AND NOT LOWER(
        NULLIF(
          CASE
            WHEN TYPEOF(m.ltv) = 'double'
            THEN CASE
              WHEN NOT CAST(m.ltv AS STRING) RLIKE 'E'
              THEN CAST(m.ltv AS STRING)
              ELSE ELEMENT_AT(
                TRANSFORM(
                  ARRAY(CAST(m.ltv AS STRING)),
                  onesync_1 -> CASE
                    WHEN onesync_1 RLIKE 'E1[6-8]\\z'
                    AND NOT TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT) IS NULL
                    THEN REPLACE(
                      REGEXP_REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(
                            ELEMENT_AT(
                              TRANSFORM(
                                ARRAY(
                                  ELEMENT_AT(
                                    TRANSFORM(
                                      ARRAY(TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT)),
                                      onesync_2 -> STRUCT(
                                        TRY_CAST(CONCAT(
                                          CASE WHEN onesync_2 < 0 THEN '-' ELSE '' END,
                                          SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 1, 1),
                                          '.',
                                          SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 2)
                                        ) AS DECIMAL(38, 20)) AS m,
                                        LENGTH(REPLACE(CAST(onesync_2 AS STRING), '-', '')) - 1 AS p
                                      )
                                    ),
                                    1
                                  )
                                ),
                                onesync_2 -> COALESCE(
                                  TRY_ELEMENT_AT(
                                    FILTER(
                                      TRANSFORM(
                                        ARRAY(ROUND(onesync_2.m, 14), ROUND(onesync_2.m, 15), ROUND(onesync_2.m, 16)),
                                        onesync_3 -> CASE
                                          WHEN ABS(onesync_3) >= 10
                                          THEN CONCAT(CASE WHEN onesync_3 < 0 THEN '-1E' ELSE '1E' END, CAST(onesync_2.p + 1 AS STRING))
                                          ELSE CONCAT(CAST(onesync_3 AS STRING), 'E', CAST(onesync_2.p AS STRING))
                                        END
                                      ),
                                      onesync_3 -> CAST(TRY_CAST(onesync_3 AS DOUBLE) AS STRING) = onesync_1
                                    ),
                                    1
                                  ),
                                  onesync_1
                                )
                              ),
                              1
                            ),
                            '[.]?0*[eE]',
                            'E'
                          ),
                          'E([+-]?)([0-9])$',
                          'E$10$2'
                        ),
                        'E[+]?([0-9])',
                        'e+$1'
                      ),
                      'E-',
                      'e-'
                    )
                    WHEN onesync_1 RLIKE 'E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                    THEN REPLACE(
                      REGEXP_REPLACE(
                        REGEXP_REPLACE(REGEXP_REPLACE(onesync_1, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                        'E[+]?([0-9])',
                        'e+$1'
                      ),
                      'E-',
                      'e-'
                    )
                    ELSE CAST(TRY_CAST(onesync_1 AS DECIMAL(38, 20)) AS STRING)
                  END
                ),
                1
              )
            END
            WHEN TYPEOF(m.ltv) = 'float'
            THEN ELEMENT_AT(
              TRANSFORM(
                ARRAY(CAST(m.ltv AS STRING)),
                onesync_1 -> CASE
                  WHEN onesync_1 = '-0.0'
                  THEN onesync_1
                  ELSE ELEMENT_AT(
                    TRANSFORM(
                      ARRAY(
                        COALESCE(
                          TRY_ELEMENT_AT(
                            FILTER(
                              ARRAY(
                                FORMAT_STRING('%.5e', TRY_CAST(onesync_1 AS FLOAT)),
                                FORMAT_STRING('%.6e', TRY_CAST(onesync_1 AS FLOAT)),
                                FORMAT_STRING('%.7e', TRY_CAST(onesync_1 AS FLOAT)),
                                FORMAT_STRING('%.8e', TRY_CAST(onesync_1 AS FLOAT))
                              ),
                              onesync_2 -> CAST(TRY_CAST(onesync_2 AS FLOAT) AS STRING) = onesync_1
                            ),
                            1
                          ),
                          onesync_1
                        )
                      ),
                      onesync_2 -> CASE
                        WHEN onesync_2 RLIKE 'e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                        THEN REPLACE(
                          REGEXP_REPLACE(
                            REGEXP_REPLACE(REGEXP_REPLACE(onesync_2, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                            'E[+]?([0-9])',
                            'e+$1'
                          ),
                          'E-',
                          'e-'
                        )
                        ELSE CAST(TRY_CAST(onesync_2 AS DECIMAL(38, 20)) AS STRING)
                      END
                    ),
                    1
                  )
                END
              ),
              1
            )
            ELSE TRIM(CAST(m.ltv AS STRING))
          END,
          ''
        )
      ) LIKE '%e%'
      THEN COALESCE(
        NULLIF(
          TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM NULLIF(
            CASE
              WHEN TYPEOF(m.ltv) = 'double'
              THEN CASE
                WHEN NOT CAST(m.ltv AS STRING) RLIKE 'E'
                THEN CAST(m.ltv AS STRING)
                ELSE ELEMENT_AT(
                  TRANSFORM(
                    ARRAY(CAST(m.ltv AS STRING)),
                    onesync_1 -> CASE
                      WHEN onesync_1 RLIKE 'E1[6-8]\\z'
                      AND NOT TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT) IS NULL
                      THEN REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(
                            REGEXP_REPLACE(
                              ELEMENT_AT(
                                TRANSFORM(
                                  ARRAY(
                                    ELEMENT_AT(
                                      TRANSFORM(
                                        ARRAY(TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT)),
                                        onesync_2 -> STRUCT(
                                          TRY_CAST(CONCAT(
                                            CASE WHEN onesync_2 < 0 THEN '-' ELSE '' END,
                                            SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 1, 1),
                                            '.',
                                            SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 2)
                                          ) AS DECIMAL(38, 20)) AS m,
                                          LENGTH(REPLACE(CAST(onesync_2 AS STRING), '-', '')) - 1 AS p
                                        )
                                      ),
                                      1
                                    )
                                  ),
                                  onesync_2 -> COALESCE(
                                    TRY_ELEMENT_AT(
                                      FILTER(
                                        TRANSFORM(
                                          ARRAY(ROUND(onesync_2.m, 14), ROUND(onesync_2.m, 15), ROUND(onesync_2.m, 16)),
                                          onesync_3 -> CASE
                                            WHEN ABS(onesync_3) >= 10
                                            THEN CONCAT(CASE WHEN onesync_3 < 0 THEN '-1E' ELSE '1E' END, CAST(onesync_2.p + 1 AS STRING))
                                            ELSE CONCAT(CAST(onesync_3 AS STRING), 'E', CAST(onesync_2.p AS STRING))
                                          END
                                        ),
                                        onesync_3 -> CAST(TRY_CAST(onesync_3 AS DOUBLE) AS STRING) = onesync_1
                                      ),
                                      1
                                    ),
                                    onesync_1
                                  )
                                ),
                                1
                              ),
                              '[.]?0*[eE]',
                              'E'
                            ),
                            'E([+-]?)([0-9])$',
                            'E$10$2'
                          ),
                          'E[+]?([0-9])',
                          'e+$1'
                        ),
                        'E-',
                        'e-'
                      )
                      WHEN onesync_1 RLIKE 'E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                      THEN REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(REGEXP_REPLACE(onesync_1, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                          'E[+]?([0-9])',
                          'e+$1'
                        ),
                        'E-',
                        'e-'
                      )
                      ELSE CAST(TRY_CAST(onesync_1 AS DECIMAL(38, 20)) AS STRING)
                    END
                  ),
                  1
                )
              END
              WHEN TYPEOF(m.ltv) = 'float'
              THEN ELEMENT_AT(
                TRANSFORM(
                  ARRAY(CAST(m.ltv AS STRING)),
                  onesync_1 -> CASE
                    WHEN onesync_1 = '-0.0'
                    THEN onesync_1
                    ELSE ELEMENT_AT(
                      TRANSFORM(
                        ARRAY(
                          COALESCE(
                            TRY_ELEMENT_AT(
                              FILTER(
                                ARRAY(
                                  FORMAT_STRING('%.5e', TRY_CAST(onesync_1 AS FLOAT)),
                                  FORMAT_STRING('%.6e', TRY_CAST(onesync_1 AS FLOAT)),
                                  FORMAT_STRING('%.7e', TRY_CAST(onesync_1 AS FLOAT)),
                                  FORMAT_STRING('%.8e', TRY_CAST(onesync_1 AS FLOAT))
                                ),
                                onesync_2 -> CAST(TRY_CAST(onesync_2 AS FLOAT) AS STRING) = onesync_1
                              ),
                              1
                            ),
                            onesync_1
                          )
                        ),
                        onesync_2 -> CASE
                          WHEN onesync_2 RLIKE 'e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                          THEN REPLACE(
                            REGEXP_REPLACE(
                              REGEXP_REPLACE(REGEXP_REPLACE(onesync_2, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                              'E[+]?([0-9])',
                              'e+$1'
                            ),
                            'E-',
                            'e-'
                          )
                          ELSE CAST(TRY_CAST(onesync_2 AS DECIMAL(38, 20)) AS STRING)
                        END
                      ),
                      1
                    )
                  END
                ),
                1
              )
              ELSE TRIM(CAST(m.ltv AS STRING))
            END,
            ''
          ))),
          ''
        ),
        '0'
      )
      ELSE NULLIF(
        CASE
          WHEN TYPEOF(m.ltv) = 'double'
          THEN CASE
            WHEN NOT CAST(m.ltv AS STRING) RLIKE 'E'
            THEN CAST(m.ltv AS STRING)
            ELSE ELEMENT_AT(
              TRANSFORM(
                ARRAY(CAST(m.ltv AS STRING)),
                onesync_1 -> CASE
                  WHEN onesync_1 RLIKE 'E1[6-8]\\z'
                  AND NOT TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT) IS NULL
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(
                        REGEXP_REPLACE(
                          ELEMENT_AT(
                            TRANSFORM(
                              ARRAY(
                                ELEMENT_AT(
                                  TRANSFORM(
                                    ARRAY(TRY_CAST(TRY_CAST(onesync_1 AS DOUBLE) AS BIGINT)),
                                    onesync_2 -> STRUCT(
                                      TRY_CAST(CONCAT(
                                        CASE WHEN onesync_2 < 0 THEN '-' ELSE '' END,
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 1, 1),
                                        '.',
                                        SUBSTRING(REPLACE(CAST(onesync_2 AS STRING), '-', ''), 2)
                                      ) AS DECIMAL(38, 20)) AS m,
                                      LENGTH(REPLACE(CAST(onesync_2 AS STRING), '-', '')) - 1 AS p
                                    )
                                  ),
                                  1
                                )
                              ),
                              onesync_2 -> COALESCE(
                                TRY_ELEMENT_AT(
                                  FILTER(
                                    TRANSFORM(
                                      ARRAY(ROUND(onesync_2.m, 14), ROUND(onesync_2.m, 15), ROUND(onesync_2.m, 16)),
                                      onesync_3 -> CASE
                                        WHEN ABS(onesync_3) >= 10
                                        THEN CONCAT(CASE WHEN onesync_3 < 0 THEN '-1E' ELSE '1E' END, CAST(onesync_2.p + 1 AS STRING))
                                        ELSE CONCAT(CAST(onesync_3 AS STRING), 'E', CAST(onesync_2.p AS STRING))
                                      END
                                    ),
                                    onesync_3 -> CAST(TRY_CAST(onesync_3 AS DOUBLE) AS STRING) = onesync_1
                                  ),
                                  1
                                ),
                                onesync_1
                              )
                            ),
                            1
                          ),
                          '[.]?0*[eE]',
                          'E'
                        ),
                        'E([+-]?)([0-9])$',
                        'E$10$2'
                      ),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  WHEN onesync_1 RLIKE 'E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                  THEN REPLACE(
                    REGEXP_REPLACE(
                      REGEXP_REPLACE(REGEXP_REPLACE(onesync_1, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                      'E[+]?([0-9])',
                      'e+$1'
                    ),
                    'E-',
                    'e-'
                  )
                  ELSE CAST(TRY_CAST(onesync_1 AS DECIMAL(38, 20)) AS STRING)
                END
              ),
              1
            )
          END
          WHEN TYPEOF(m.ltv) = 'float'
          THEN ELEMENT_AT(
            TRANSFORM(
              ARRAY(CAST(m.ltv AS STRING)),
              onesync_1 -> CASE
                WHEN onesync_1 = '-0.0'
                THEN onesync_1
                ELSE ELEMENT_AT(
                  TRANSFORM(
                    ARRAY(
                      COALESCE(
                        TRY_ELEMENT_AT(
                          FILTER(
                            ARRAY(
                              FORMAT_STRING('%.5e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.6e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.7e', TRY_CAST(onesync_1 AS FLOAT)),
                              FORMAT_STRING('%.8e', TRY_CAST(onesync_1 AS FLOAT))
                            ),
                            onesync_2 -> CAST(TRY_CAST(onesync_2 AS FLOAT) AS STRING) = onesync_1
                          ),
                          1
                        ),
                        onesync_1
                      )
                    ),
                    onesync_2 -> CASE
                      WHEN onesync_2 RLIKE 'e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\\z'
                      THEN REPLACE(
                        REGEXP_REPLACE(
                          REGEXP_REPLACE(REGEXP_REPLACE(onesync_2, '[.]?0*[eE]', 'E'), 'E([+-]?)([0-9])$', 'E$10$2'),
                          'E[+]?([0-9])',
                          'e+$1'
                        ),
                        'E-',
                        'e-'
                      )
                      ELSE CAST(TRY_CAST(onesync_2 AS DECIMAL(38, 20)) AS STRING)
                    END
                  ),
                  1
                )
              END
            ),
            1
          )
          ELSE TRIM(CAST(m.ltv AS STRING))
        END,
        ''
      )
    END AS tag__ltv,
    m.ltv AS __raw_0,
    CAST(CASE
      WHEN CASE
        WHEN TRIM(CAST(m.last_order_at AS STRING)) RLIKE '^-?0*[0-9]{1,12}\\z'
        THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.last_order_at AS STRING)) RLIKE '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?\\z'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.last_order_at AS STRING)) RLIKE '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)\\z'
        THEN UNIX_SECONDS(TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))
        ELSE (
          TIMESTAMPDIFF(
            MICROSECOND,
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
            TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP_NTZ)
          ) - PMOD(
            TIMESTAMPDIFF(
              MICROSECOND,
              CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
              TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP_NTZ)
            ),
            1000000
          )
        ) DIV 1000000
      END BETWEEN -62135596800 AND 253402300799
      THEN CASE
        WHEN TRIM(CAST(m.last_order_at AS STRING)) RLIKE '^-?0*[0-9]{1,12}\\z'
        THEN CAST(TRIM(CAST(m.last_order_at AS STRING)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.last_order_at AS STRING)) RLIKE '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?\\z'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.last_order_at AS STRING)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.last_order_at AS STRING)) RLIKE '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)\\z'
        THEN UNIX_SECONDS(TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP))
        ELSE (
          TIMESTAMPDIFF(
            MICROSECOND,
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
            TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP_NTZ)
          ) - PMOD(
            TIMESTAMPDIFF(
              MICROSECOND,
              CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
              TRY_CAST(TRIM(CAST(m.last_order_at AS STRING)) AS TIMESTAMP_NTZ)
            ),
            1000000
          )
        ) DIV 1000000
      END
    END AS STRING) AS tag__last_order_at,
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
  MD5(
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__order_id) AS STRING) || ':' || n.prop__order_id
    END || CASE
      WHEN n.var__first_name IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__first_name) AS STRING) || ':' || n.var__first_name
    END || CASE
      WHEN n.var__order_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.var__order_id) AS STRING) || ':' || n.var__order_id
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS STRING) AS __key,
    CAST(m.customer_id AS STRING) AS __external_id,
    CAST(m.order_id AS STRING) AS prop__order_id,
    CAST(m.first_name AS STRING) AS var__first_name,
    CAST(m.order_id AS STRING) AS var__order_id
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
  MD5(
    CASE
      WHEN n.__external_id IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__external_id) AS STRING) || ':' || n.__external_id
    END || CASE
      WHEN n.prop__total IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__total) AS STRING) || ':' || n.prop__total
    END || CASE
      WHEN n.prop__currency IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.prop__currency) AS STRING) || ':' || n.prop__currency
    END || CASE
      WHEN n.__timestamp IS NULL
      THEN '~'
      ELSE CAST(LENGTH(n.__timestamp) AS STRING) || ':' || n.__timestamp
    END
  ) AS __fingerprint
FROM (
  SELECT
    CAST(m.order_id AS STRING) AS __key,
    CAST(m.customer_id AS STRING) AS __external_id,
    CAST(m.total AS STRING) AS prop__total,
    CAST(m.currency AS STRING) AS prop__currency,
    CASE
      WHEN CASE
        WHEN TRIM(CAST(m.placed_at AS STRING)) RLIKE '^-?0*[0-9]{1,12}\\z'
        THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS BIGINT)
        WHEN NOT TRIM(CAST(m.placed_at AS STRING)) RLIKE '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?\\z'
        THEN NULL
        WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 9, 2) AS INT) <= CASE
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) IN (4, 6, 9, 11)
          THEN 30
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) = 2
          AND (
            (
              CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 4 = 0
              AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 100 = 0
            )
            OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 400 = 0
          )
          THEN 29
          WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) = 2
          THEN 28
          ELSE 31
        END
        THEN NULL
        WHEN TRIM(CAST(m.placed_at AS STRING)) RLIKE '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)\\z'
        THEN UNIX_SECONDS(TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))
        ELSE (
          TIMESTAMPDIFF(
            MICROSECOND,
            CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
            TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP_NTZ)
          ) - PMOD(
            TIMESTAMPDIFF(
              MICROSECOND,
              CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
              TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP_NTZ)
            ),
            1000000
          )
        ) DIV 1000000
      END BETWEEN -62135596800 AND 253402300799
      THEN DATE_FORMAT(
        TIMESTAMPADD(
          SECOND,
          CASE
            WHEN TRIM(CAST(m.placed_at AS STRING)) RLIKE '^-?0*[0-9]{1,12}\\z'
            THEN CAST(TRIM(CAST(m.placed_at AS STRING)) AS BIGINT)
            WHEN NOT TRIM(CAST(m.placed_at AS STRING)) RLIKE '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?\\z'
            THEN NULL
            WHEN NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 9, 2) AS INT) <= CASE
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) IN (4, 6, 9, 11)
              THEN 30
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) = 2
              AND (
                (
                  CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 4 = 0
                  AND NOT CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 100 = 0
                )
                OR CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 1, 4) AS INT) % 400 = 0
              )
              THEN 29
              WHEN CAST(SUBSTRING(TRIM(CAST(m.placed_at AS STRING)), 6, 2) AS INT) = 2
              THEN 28
              ELSE 31
            END
            THEN NULL
            WHEN TRIM(CAST(m.placed_at AS STRING)) RLIKE '[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)\\z'
            THEN UNIX_SECONDS(TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP))
            ELSE (
              TIMESTAMPDIFF(
                MICROSECOND,
                CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP_NTZ)
              ) - PMOD(
                TIMESTAMPDIFF(
                  MICROSECOND,
                  CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ),
                  TRY_CAST(TRIM(CAST(m.placed_at AS STRING)) AS TIMESTAMP_NTZ)
                ),
                1000000
              )
            ) DIV 1000000
          END,
          CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ)
        ),
        'yyyy-MM-dd\'T\'HH:mm:ss\'Z\''
      )
    END AS __timestamp
  FROM (
    SELECT
      *
    FROM shop.orders
  ) AS m
) AS n;

