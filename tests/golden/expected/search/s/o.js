(self.siteSearchData=self.siteSearchData||{})["s/o"]={"terms":"code com compar constant construct continu cost hopper logarithm logn longer lovelac model molecul molecular noether normal sort"};
